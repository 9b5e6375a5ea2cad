/**
 * Verification throughput (issue 4; issue 9 extends it), measured with autocannon on loopback
 * against a server in a child process, next to the floors measured in the same run:
 *
 * - `bare`: a bare Fastify `GET /hello` (the most a route can do on this machine);
 * - `raw-verify`: a bare Fastify route doing one node:crypto ES256 verify of a code;
 * - `verify warm`: `POST /api/v1/verify` of one genuine batch code, repeated;
 * - `verify cold`: distinct genuine unit codes, one after another;
 * - `verify forged`: a code with a broken signature (no registry lookup).
 *
 * Ratios only, no thresholds (this is never part of `npm test`).
 *
 *   npx tsx bench/verify.ts                         # PGlite in memory
 *   DATABASE_URL=postgres://… npx tsx bench/verify.ts
 *   BENCH_SECONDS=5 BENCH_CONNECTIONS=20 npx tsx bench/verify.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import type { BenchServerInfo } from './verify-server.ts';

export interface VerifyBenchRow {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Against which floor the ratio is taken, and the ratio. */
  ratio: { of: string; value: number } | null;
}

interface Case {
  name: string;
  url: string;
  method: 'GET' | 'POST';
  bodies?: string[];
}

async function load(c: Case, seconds: number, connections: number): Promise<autocannon.Result> {
  let i = 0;
  const bodies = c.bodies;
  return autocannon({
    url: c.url,
    method: c.method,
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', 'user-agent': 'autocannon (ocop-trace bench)' },
    ...(bodies
      ? {
          requests: [
            {
              setupRequest: (req: autocannon.Request) => ({ ...req, body: bodies[i++ % bodies.length] }),
            },
          ],
        }
      : {}),
  });
}

export async function benchVerify(
  opts: { seconds?: number; connections?: number; unitCodes?: number; log?: (s: string) => void } = {},
): Promise<{ kind: string; rows: VerifyBenchRow[] }> {
  const seconds = opts.seconds ?? Number(process.env.BENCH_SECONDS ?? 10);
  const connections = opts.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 50);
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'ocop-bench-'));
  const infoFile = join(dir, 'server.json');
  const server = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./verify-server.ts', import.meta.url)),
      infoFile,
      String(opts.unitCodes ?? 20_000),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'silent' } },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
      server.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('READY')) resolve();
      });
    });
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as BenchServerInfo;
    log(
      `bench server ready (${info.kind}, ${info.unitCodes.length} unit codes); ${seconds} s per case, ${connections} connections`,
    );
    const body = (code: string) => JSON.stringify({ code });
    const cases: Case[] = [
      { name: 'bare Fastify GET /hello', url: `${info.bareUrl}/hello`, method: 'GET' },
      {
        name: 'raw ES256 verify route',
        url: `${info.bareUrl}/raw-verify`,
        method: 'POST',
        bodies: info.unitCodes.map(body),
      },
      {
        name: 'verify warm (one batch code)',
        url: `${info.appUrl}/api/v1/verify`,
        method: 'POST',
        bodies: [body(info.batchCode)],
      },
      {
        name: 'verify cold (distinct unit codes)',
        url: `${info.appUrl}/api/v1/verify`,
        method: 'POST',
        bodies: info.unitCodes.map(body),
      },
      {
        name: 'verify forged',
        url: `${info.appUrl}/api/v1/verify`,
        method: 'POST',
        bodies: [body(info.forgedCode)],
      },
    ];
    const rows: VerifyBenchRow[] = [];
    for (const c of cases) {
      await load(c, Math.min(2, seconds), connections); // warm-up, discarded
      const r = await load(c, seconds, connections);
      rows.push({
        name: c.name,
        requestsPerSecond: Math.round(r.requests.average),
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        ratio: null,
      });
      log(`  ${c.name}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms`);
    }
    const rps = (name: string) => rows.find((r) => r.name.startsWith(name))!.requestsPerSecond;
    const ratio = (row: VerifyBenchRow, of: string) => {
      row.ratio = { of, value: Math.round((row.requestsPerSecond / Math.max(1, rps(of))) * 100) / 100 };
    };
    ratio(rows[1]!, 'bare Fastify');
    ratio(rows[2]!, 'bare Fastify');
    ratio(rows[3]!, 'raw ES256 verify');
    ratio(rows[4]!, 'bare Fastify');
    return { kind: info.kind, rows };
  } finally {
    server.stdin.end();
    await new Promise((r) => server.once('exit', r)).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatVerifyBench(result: { kind: string; rows: VerifyBenchRow[] }): string {
  const lines = [
    `### Verify (${result.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'}; server and autocannon share the machine)`,
    '',
    '| case | req/s | p50 ms | p99 ms | non-2xx | ratio |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...result.rows.map(
      (r) =>
        `| ${r.name} | ${r.requestsPerSecond.toLocaleString('en')} | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx + r.errors} | ${
          r.ratio ? `${r.ratio.value}× ${r.ratio.of}` : '—'
        } |`,
    ),
    '',
  ];
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchVerify().then(
    (r) => process.stdout.write(formatVerifyBench(r)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
