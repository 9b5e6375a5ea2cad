/**
 * The public site (issue 9, point 4): the verification page's bytes and time to first byte, and
 * the scan page's JavaScript, measured against the app with the built site in a child process
 * (bench/site-server.ts, demo data) on loopback:
 *
 * - the verification page of a genuine demo unit code: HTML and its stylesheets, raw and as served
 *   (`Accept-Encoding: br, gzip`), and what gzip and brotli would make of them;
 * - its time to first byte (response headers received) and to last byte, median and p95 over
 *   BENCH_SITE_REQUESTS sequential requests on one keep-alive connection, beside the floor: a bare
 *   Fastify route answering the same bytes of static HTML, requested in turn with the page;
 * - /scan: every JavaScript file it loads (its module scripts, what they import, the QR-decoding
 *   worker and any other script URL they name), raw, gzip and brotli as served.
 *
 *   npx tsx bench/site.ts                             # PGlite in memory
 *   DATABASE_URL=postgres://… npx tsx bench/site.ts
 *   BENCH_SITE_REQUESTS=500 npx tsx bench/site.ts
 */
import { request as httpRequest, Agent } from 'node:http';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { ensureSiteBuilt, freePort } from '../test/e2e/harness.ts';
import { startBenchChild } from './child.ts';
import type { SiteServerInfo } from './site-server.ts';

interface Fetched {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Bytes on the wire (the body as sent, compressed or not). */
  wire: number;
  /** The decoded body. */
  body: Buffer;
  ttfbMs: number;
  totalMs: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string, headers: Record<string, string> = {}, body?: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const method = body === undefined ? 'GET' : 'POST';
    const req = httpRequest(url, { agent, headers, method }, (res) => {
      const ttfbMs = performance.now() - started;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const totalMs = performance.now() - started;
        const raw = Buffer.concat(chunks);
        const enc = res.headers['content-encoding'];
        const body = enc === 'br' ? brotliDecompressSync(raw) : enc === 'gzip' ? gunzipSync(raw) : raw;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          wire: raw.length,
          body,
          ttfbMs,
          totalMs,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface Sized {
  url: string;
  raw: number;
  /** As served with `Accept-Encoding: br, gzip` (and the encoding used). */
  served: number;
  servedEncoding: string;
  gzip: number;
  brotli: number;
}

/** A resource's sizes: raw, as served, and as gzip and brotli (served if so, else computed). */
async function sized(url: string, accept = '*/*'): Promise<Sized> {
  const served = await get(url, { accept, 'accept-encoding': 'br, gzip' });
  if (served.status !== 200) throw new Error(`${url}: ${served.status}`);
  const gz = await get(url, { accept, 'accept-encoding': 'gzip' });
  const br = served.headers['content-encoding'] === 'br' ? served : null;
  return {
    url,
    raw: served.body.length,
    served: served.wire,
    servedEncoding: String(served.headers['content-encoding'] ?? 'identity'),
    gzip: gz.headers['content-encoding'] === 'gzip' ? gz.wire : gzipSync(served.body).length,
    brotli: br ? br.wire : brotliCompressSync(served.body).length,
  };
}

const sum = (xs: Sized[], k: 'raw' | 'served' | 'gzip' | 'brotli') => xs.reduce((a, x) => a + x[k], 0);

/** Every script a page loads: its module scripts and preloads, then what they import or name. */
async function pageScripts(base: string, html: string): Promise<Sized[]> {
  const queue: string[] = [];
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) queue.push(m[1]!);
  for (const m of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g)) queue.push(m[1]!);
  const seen = new Map<string, Sized>();
  while (queue.length > 0) {
    const url = new URL(queue.shift()!, base).href;
    if (seen.has(url) || !url.startsWith(base)) continue;
    const s = await sized(url);
    seen.set(url, s);
    const js = (await get(url)).body.toString('utf8');
    // Static and dynamic imports ("./x.js"), and script URLs named as strings ("/_astro/worker.js").
    for (const m of js.matchAll(/["'`](\.{1,2}\/[\w./-]+\.m?js|\/[\w./-]+\.(?:m?js|wasm))["'`]/g)) {
      queue.push(new URL(m[1]!, url).href);
    }
  }
  return [...seen.values()];
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export interface SiteBenchResult {
  kind: 'postgres' | 'pglite';
  requests: number;
  verdict: string;
  html: Sized;
  css: Sized[];
  verifyJs: Sized[];
  scanHtml: Sized;
  scanJs: Sized[];
  /** The floor first, then the verification page, then its parts. */
  timings: Timing[];
}

interface Timing {
  name: string;
  ttfb: number[];
  total: number[];
}

export async function benchSite(
  opts: { requests?: number; log?: (s: string) => void } = {},
): Promise<SiteBenchResult> {
  const n = opts.requests ?? Number(process.env.BENCH_SITE_REQUESTS ?? 200);
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  ensureSiteBuilt();
  const server = await startBenchChild<SiteServerInfo>(new URL('./site-server.ts', import.meta.url), [
    String(await freePort()),
  ]);
  try {
    const info = server.info;
    const base = `${info.appUrl}/`;
    const pageUrl = `${info.appUrl}${info.codePath}`;
    log(`site bench server ready (${info.kind}); ${n} requests per case`);

    const html = await sized(pageUrl, 'text/html');
    // One phone scanning the label again and again: the device cookie the first answer sets is sent
    // back (fresh devices every time would soon make the code a suspected copy).
    const first = await get(pageUrl, { accept: 'text/html' });
    const setCookie = [first.headers['set-cookie'] ?? []].flat().join(';');
    const deviceId = /ocop_did=([^;]+)/.exec(setCookie)?.[1];
    if (!deviceId) throw new Error('the verification page set no device cookie');
    const pageHtml = first.body.toString('utf8');
    const verdictOf = (html: string) => /data-verdict="([a-z_]+)"/.exec(html)?.[1] ?? 'none';
    const verdict = verdictOf(pageHtml);
    const css: Sized[] = [];
    for (const m of pageHtml.matchAll(/<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)"/g)) {
      css.push(await sized(new URL(m[1]!, base).href, 'text/css'));
    }
    const verifyJs = await pageScripts(base, pageHtml);
    const scanHtml = await sized(`${info.appUrl}/scan`, 'text/html');
    const scanJs = await pageScripts(base, (await get(`${info.appUrl}/scan`)).body.toString('utf8'));

    // TTFB: every case in turn, one request at a time, as a browser would (HTML, br/gzip). Besides
    // the page and its floor, two parts of the page for comparison: the verify API alone, and the
    // site's rendering alone (/scan is rendered by Astro without any API call).
    const headers = { accept: 'text/html', 'accept-encoding': 'br, gzip' };
    const cases: { name: string; run: () => Promise<Fetched> }[] = [
      { name: 'floor: bare Fastify, the same HTML bytes', run: () => get(`${info.bareUrl}/page`, headers) },
      {
        name: 'verification page (the code URL)',
        run: () => get(pageUrl, { ...headers, cookie: `ocop_did=${deviceId}` }),
      },
      {
        name: 'part: `POST /api/v1/verify` of the same code (JSON)',
        run: () =>
          get(
            `${info.appUrl}/api/v1/verify`,
            { 'content-type': 'application/json', 'accept-encoding': 'br, gzip' },
            JSON.stringify({ code: `${info.appUrl}${info.codePath}`, deviceId }),
          ),
      },
      { name: 'part: /scan (Astro rendering, no API call)', run: () => get(`${info.appUrl}/scan`, headers) },
    ];
    for (let i = 0; i < Math.min(20, n); i++) for (const c of cases) await c.run();
    const timings: Timing[] = cases.map((c) => ({ name: c.name, ttfb: [], total: [] }));
    for (let i = 0; i < n; i++) {
      for (const [j, c] of cases.entries()) {
        const res = await c.run();
        if (res.status !== 200) throw new Error(`${c.name}: ${res.status}`);
        timings[j]!.ttfb.push(res.ttfbMs);
        timings[j]!.total.push(res.totalMs);
      }
    }
    const lastVerdict = verdictOf((await cases[1]!.run()).body.toString('utf8'));
    if (lastVerdict !== verdict) throw new Error(`the verdict changed from ${verdict} to ${lastVerdict}`);
    for (const t of timings) log(`  ${t.name}: TTFB median ${quantile(t.ttfb, 0.5).toFixed(2)} ms`);
    return { kind: info.kind, requests: n, verdict, html, css, verifyJs, scanHtml, scanJs, timings };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

export function formatSiteBench(r: SiteBenchResult): string {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const ms = (x: number) => x.toFixed(2);
  const sizes = (label: string, xs: Sized[]) =>
    `| ${label} | ${xs.length} | ${kb(sum(xs, 'raw'))} | ${kb(sum(xs, 'served'))} (${[...new Set(xs.map((x) => x.servedEncoding))].join(', ') || '—'}) | ${kb(sum(xs, 'gzip'))} | ${kb(sum(xs, 'brotli'))} |`;
  const file = (u: string) => new URL(u).pathname;
  const biggest = [...r.scanJs].sort((a, b) => b.raw - a.raw)[0];
  const ratio = (a: number[], b: number[], q: number) => (quantile(a, q) / quantile(b, q)).toFixed(1);
  const [floor, page] = r.timings as [Timing, Timing];
  return [
    `### Site (${r.kind === 'postgres' ? 'PostgreSQL' : 'PGlite in memory'}; loopback, one keep-alive connection)`,
    '',
    `Verification page of a genuine demo unit code (verdict shown: \`${r.verdict}\`, the same at the end).`,
    '',
    '| resource | files | raw | as served (encoding) | gzip | brotli |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    sizes('verification page HTML', [r.html]),
    sizes('its CSS', r.css),
    sizes('**HTML + CSS**', [r.html, ...r.css]),
    sizes('its JavaScript', r.verifyJs),
    sizes('/scan HTML', [r.scanHtml]),
    sizes('**/scan JavaScript** (modules, imports, worker)', r.scanJs),
    '',
    `Largest /scan script: \`${biggest ? file(biggest.url) : '—'}\` (${biggest ? kb(biggest.raw) : '—'} raw).`,
    '',
    `| ${r.requests} sequential requests | TTFB median ms | TTFB p95 ms | last byte median ms | last byte p95 ms |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...r.timings.map(
      (t) =>
        `| ${t.name} | ${ms(quantile(t.ttfb, 0.5))} | ${ms(quantile(t.ttfb, 0.95))} | ${ms(quantile(t.total, 0.5))} | ${ms(quantile(t.total, 0.95))} |`,
    ),
    `| ratio verification page / floor | ${ratio(page.ttfb, floor.ttfb, 0.5)}× | ${ratio(page.ttfb, floor.ttfb, 0.95)}× | ${ratio(page.total, floor.total, 0.5)}× | ${ratio(page.total, floor.total, 0.95)}× |`,
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchSite().then(
    (r) => process.stdout.write(formatSiteBench(r)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
