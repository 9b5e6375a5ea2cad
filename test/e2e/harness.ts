import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import QRCode from 'qrcode';
import { chromium, type Browser, type BrowserContext, type LaunchOptions } from 'playwright-core';

/**
 * End-to-end harness: the built site and the API in one real process (`npm start`'s entry point)
 * on a random port with an in-memory demo database, Debian's Chromium driven by playwright-core
 * (never a downloaded browser), and codes issued through the API.
 */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ARTEFACTS = join(ROOT, 'test-results', 'e2e');

/** Flags of every launch (node-svc.md: this machine's network is closed; no background calls). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Build the site if its sources changed since the last build (the same check as `npm start`). */
export function ensureSiteBuilt(): void {
  const res = spawnSync(process.execPath, [join(ROOT, 'site', 'scripts', 'ensure-built.mjs'), '--strict'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (res.status !== 0) throw new Error('the site did not build');
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningApp {
  origin: string;
  /** Stop the server (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

/** Start api/src/server.ts with the built site, demo data in memory, on a free port. */
export async function startApp(): Promise<RunningApp> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: origin,
    DATA_DIR: 'memory',
    DEMO_MODE: 'true',
    SERVE_SITE: 'true',
    LOG_LEVEL: 'warn',
  };
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'api', 'src', 'server.ts')],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited at start:\n${output}`);
    try {
      const res = await fetch(`${origin}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app did not answer within 150 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    origin,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Debian's Chromium, headless, each launch with its own fresh profile (Playwright's temp dir). */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const options: LaunchOptions = {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  };
  return chromium.launch(options);
}

/** A fake camera that shows `text` as a QR code: PNG by qrcode, then a Y4M video by ffmpeg. */
export async function fakeCameraArgs(text: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ocop-e2e-cam-'));
  const png = join(dir, 'label.png');
  const y4m = join(dir, 'label.y4m');
  await QRCode.toFile(png, text, { errorCorrectionLevel: 'M', margin: 4, scale: 8 });
  const ff = spawnSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-loop',
      '1',
      '-i',
      png,
      '-t',
      '2',
      '-r',
      '10',
      '-vf',
      'scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2:white,format=yuv420p',
      '-f',
      'yuv4mpegpipe',
      y4m,
    ],
    { encoding: 'utf8' },
  );
  if (ff.status !== 0) throw new Error(`ffmpeg failed: ${ff.stderr}`);
  return [
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${y4m}`,
  ];
}

export function screenshotPath(name: string): string {
  mkdirSync(ARTEFACTS, { recursive: true });
  return join(ARTEFACTS, `${name}.png`);
}

/** Collect Content-Security-Policy violations and page errors of a context. */
export function watchProblems(context: BrowserContext): string[] {
  const problems: string[] = [];
  context.on('page', (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
        problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The API, as a client would use it.

export async function api<T>(
  origin: string,
  path: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<T> {
  const res = await fetch(`${origin}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function signIn(
  origin: string,
  email = 'admin@demo.ocop.vn',
  password = 'ocop-demo',
): Promise<string> {
  const r = await api<{ access_token: string }>(origin, '/api/v1/auth/token', {
    method: 'POST',
    body: { email, password },
  });
  return r.access_token;
}

interface Page<T> {
  items: T[];
  total: number;
}
interface ProductRow {
  id: string;
  certificateStatus: string;
}
interface BatchRow {
  id: string;
  productId: string;
  status: string;
}

/** The batch code of a batch, from the codes CSV (`GET …/codes?format=csv`, the documented export). */
async function batchCode(origin: string, token: string, batchId: string): Promise<string> {
  const res = await fetch(`${origin}/api/v1/batches/${batchId}/codes?format=csv`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`codes of batch ${batchId}: ${res.status}`);
  const row = (await res.text()).split('\n').find((line) => line.startsWith('batch,'));
  const url = row?.split(',')[1];
  if (!url) throw new Error(`batch ${batchId} has no code`);
  return url;
}

/** An active batch of a product in the given certificate state. */
async function batchOfProduct(origin: string, token: string, certificateStatus: string): Promise<BatchRow> {
  const products = await api<Page<ProductRow>>(
    origin,
    `/api/v1/products?certificateStatus=${certificateStatus}&limit=100`,
  );
  for (const p of products.items) {
    const batches = await api<Page<BatchRow>>(
      origin,
      `/api/v1/batches?productId=${p.id}&status=active&limit=5`,
      { token },
    );
    if (batches.items[0]) return batches.items[0];
  }
  throw new Error(`no active batch of a product whose certificate is ${certificateStatus}`);
}

export interface DemoCodes {
  genuine: string;
  expired_certificate: string;
  revoked_certificate: string;
  recalled_batch: string;
  forged: string;
  /** The active batch behind `genuine`, for issuing more codes. */
  genuineBatchId: string;
}

/** Codes of the demo data for each verdict, read from the registry through the API. */
export async function demoCodes(origin: string, token: string): Promise<DemoCodes> {
  const valid = await batchOfProduct(origin, token, 'valid');
  const expired = await batchOfProduct(origin, token, 'expired');
  const revoked = await batchOfProduct(origin, token, 'revoked');
  const recalled = await api<Page<BatchRow>>(origin, '/api/v1/batches?status=recalled&limit=1', { token });
  if (!recalled.items[0]) throw new Error('the demo data has no recalled batch');
  const genuine = await batchCode(origin, token, valid.id);
  return {
    genuine,
    expired_certificate: await batchCode(origin, token, expired.id),
    revoked_certificate: await batchCode(origin, token, revoked.id),
    recalled_batch: await batchCode(origin, token, recalled.items[0].id),
    forged: forge(genuine),
    genuineBatchId: valid.id,
  };
}

/** The same code with one character of its signature changed: what a forger's edit looks like. */
export function forge(code: string): string {
  const u = new URL(code);
  const s = u.searchParams.get('s') ?? '';
  const i = Math.floor(s.length / 2);
  const c = s[i] === 'A' ? 'B' : 'A';
  u.searchParams.set('s', s.slice(0, i) + c + s.slice(i + 1));
  return u.toString();
}

/** Issue one new unit code of a batch through the API, as a producer's office would. */
export async function issueUnitCode(origin: string, token: string, batchId: string): Promise<string> {
  const r = await api<{ units: { urls: string[] | null } | null }>(
    origin,
    `/api/v1/batches/${batchId}/codes`,
    {
      method: 'POST',
      token,
      body: { serials: 1 },
    },
  );
  const url = r.units?.urls?.[0];
  if (!url) throw new Error('no unit code came back');
  return url;
}
