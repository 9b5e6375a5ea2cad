import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { calculateJwkThumbprint } from 'jose';
import type { Browser, Page } from 'playwright-core';
import {
  canonicalCode,
  codeSigningInput,
  formatCodeUrl,
  snapshotSigningInput,
  type RegistrySnapshot,
} from '@ocop/domain';
import type * as VerifyModule from '../packages/domain/src/verify.ts';
import { launchChromium } from './e2e/harness.ts';

/**
 * The verifier is one pure module for the server and the phone (DESIGN "Offline"): bundled for the
 * browser (esbuild fails on any `node:` import), run in Debian's Chromium with WebCrypto only, it
 * gives the same verdicts as in Node, live and from a signed snapshot.
 */
const ORIGIN = 'https://ocop.quangngai.gov.vn';
let browser: Browser;
let page: Page;
let bundle: string;
let server: Server;

beforeAll(async () => {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../packages/domain/src/verify.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: 'OcopVerify',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  bundle = out.outputFiles[0]!.text;
  // WebCrypto needs a secure context: a page served from the loopback address is one.
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>verify</title>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.addScriptTag({ content: bundle });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
});

describe('the pure verifier in a browser', () => {
  it('bundles without Node built-ins, small enough for the scan page', () => {
    expect(bundle).not.toMatch(/require\(["']node:|from ["']node:/);
    expect(bundle.length).toBeLessThan(120_000);
  });

  it('gives genuine, forged and offline verdicts with WebCrypto alone', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' }) as { kty: 'EC'; crv: 'P-256'; x: string; y: string };
    const kid = await calculateJwkThumbprint(jwk, 'sha256');
    const sign = (input: string) =>
      nodeSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString(
        'base64url',
      );
    const canonical = canonicalCode(ORIGIN, {
      gtin: '08936123450014',
      productRef: null,
      lot: 'NM2026-11',
      serial: 'r7Kq2XbT9mWc',
    });
    const sig = sign(codeSigningInput(kid, canonical));
    const url = formatCodeUrl(canonical, kid, sig);
    const keys = [{ ...jwk, kid, alg: 'ES256', use: 'sig' }];
    const now = new Date();
    const cert = {
      status: 'active',
      validFrom: '2025-06-26',
      validTo: '2099-06-26',
      revokedAt: null,
      stars: 4,
    };
    const live = {
      kind: 'live',
      code: { issuedAt: now.toISOString(), kid, sig },
      batch: { producedOn: '2025-07-01', bestBefore: null, status: 'active', recalledAt: null, units: 10 },
      batchCertificate: cert,
      currentCertificate: cert,
    };
    const snapshot: RegistrySnapshot = {
      v: 1,
      iss: ORIGIN,
      iat: Math.floor(now.getTime() / 1000) - 60,
      origins: [ORIGIN],
      keys: [{ ...jwk, kid, status: 'active' }],
      certificates: [
        {
          ref: 'ABCDEFGH',
          gtin: '08936123450014',
          name: 'Nước mắm',
          stars: 4,
          level: 'province',
          decisionNo: '1898/QĐ-UBND',
          status: 'active',
          validFrom: '2025-06-26',
          validTo: '2099-06-26',
          revokedAt: null,
        },
      ],
      recalls: [],
    };
    const input = snapshotSigningInput(kid, snapshot);
    const jws = `${input}.${sign(input)}`;

    const verdicts = await page.evaluate(
      async ({ url, keys, live, jws, origin, now }) => {
        const v = (globalThis as unknown as { OcopVerify: typeof VerifyModule }).OcopVerify;
        const run = async (text: string, registry: unknown, at = now) =>
          (await v.verifyCode({ text, keys, registry: registry as never, now: at, origins: [origin] }))
            .verdict;
        return {
          secure: globalThis.isSecureContext,
          genuine: await run(url, live),
          forged: await run(url.replace('NM2026-11', 'NM2026-12'), live),
          unknown: await run('https://example.com/x', live),
          offline: await run(url, { kind: 'snapshot', jws }),
          stale: await run(
            url,
            { kind: 'snapshot', jws },
            new Date(Date.parse(now) + 8 * 86_400_000).toISOString(),
          ),
          down: await run(url, { kind: 'unavailable' }),
        };
      },
      { url, keys, live, jws, origin: ORIGIN, now: now.toISOString() },
    );
    expect(verdicts).toEqual({
      secure: true,
      genuine: 'genuine',
      forged: 'forged',
      unknown: 'unknown',
      offline: 'genuine',
      stale: 'status_unknown',
      down: 'status_unknown',
    });
  });
});
