import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import QRCode from 'qrcode';
import {
  SERIAL_ALPHABET,
  SERIAL_LENGTH,
  canonicalCode,
  formatCodeUrl,
  newPublicRef,
  newSerial,
  type CodeIdentity,
} from '@ocop/domain';
import { buildTestApp, createUser, type TestApp } from './helpers/app.ts';
import { makeCertifiedBatch } from './helpers/code-factories.ts';

/**
 * DESIGN "Public contract": every code URL fits a QR code of version 10 or less at error
 * correction level M, for the longest lot (20 characters) and our serials (12), on a realistic
 * public origin.
 */
const ORIGIN = 'https://ocop.quangngai.gov.vn';
const MAX_VERSION = 10;
const version = (text: string) => QRCode.create(text, { errorCorrectionLevel: 'M' }).version;
const fill = (b: Uint8Array) => globalThis.crypto.getRandomValues(b);
// Lower case and symbols force byte mode: the worst case for a 20-character lot.
const LONGEST_LOTS = ['abcdefghij-klmnop.q_', 'ZZZZZZZZZZZZZZZZZZZZ', '2026-11-29.LOT_00001'];

describe('QR size of the longest codes', () => {
  it(`every shape fits version ≤ ${MAX_VERSION} at ECC M, with random keys and signatures`, () => {
    let worst = 0;
    for (let i = 0; i < 200; i++) {
      const kid = randomBytes(32).toString('base64url');
      const sig = randomBytes(64).toString('base64url');
      const lot = LONGEST_LOTS[i % LONGEST_LOTS.length]!;
      const ids: CodeIdentity[] = [
        { gtin: '08936123450014', productRef: null, lot, serial: newSerial(fill) },
        { gtin: '08936123450014', productRef: null, lot, serial: null },
        { gtin: null, productRef: newPublicRef(fill) + 'AB', lot, serial: newSerial(fill) },
        // The densest serial possible: all lower-case letters.
        { gtin: '08936123450014', productRef: null, lot, serial: SERIAL_ALPHABET.slice(-SERIAL_LENGTH) },
      ];
      for (const id of ids) {
        const url = formatCodeUrl(canonicalCode(ORIGIN, id), kid, sig);
        expect(url.length).toBeLessThanOrEqual(187);
        worst = Math.max(worst, version(url));
      }
    }
    expect(worst).toBeLessThanOrEqual(MAX_VERSION);
  });

  it('the full 43-character kid would not fit (why codes carry 8 characters of it)', () => {
    const kid = randomBytes(32).toString('base64url');
    const sig = randomBytes(64).toString('base64url');
    const canonical = canonicalCode(ORIGIN, {
      gtin: '08936123450014',
      productRef: null,
      lot: LONGEST_LOTS[0]!,
      serial: 'abcdefghijkl',
    });
    expect(version(`${canonical}?k=${kid}&s=${sig}`)).toBeGreaterThan(MAX_VERSION);
  });
});

describe('QR size of codes issued by the API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ publicBaseUrl: ORIGIN });
  });
  afterAll(async () => t?.close());

  it(`batch and unit codes with a 20-character lot fit version ≤ ${MAX_VERSION}`, async () => {
    const admin = await createUser(t.app, 'admin');
    const urls: string[] = [];
    for (const gtin of [undefined, null] as const) {
      const b = await makeCertifiedBatch(t.app.db, {
        lot: `${gtin === null ? 'p' : 'g'}bcdefghij-klmnop.q_`,
        ...(gtin === null ? { gtin } : {}),
      });
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/batches/${b.batchId}/codes`,
        headers: { authorization: admin.authorization },
        payload: { serials: 50 },
      });
      expect(res.statusCode).toBe(201);
      urls.push(res.json().batchCode.url, ...res.json().units.urls);
    }
    expect(urls).toHaveLength(102);
    for (const u of urls) {
      expect(u.startsWith(`${ORIGIN}/`)).toBe(true);
      expect(version(u)).toBeLessThanOrEqual(MAX_VERSION);
    }
  });
});
