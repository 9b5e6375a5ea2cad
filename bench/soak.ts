/**
 * Sustained load (reliability.md L04): verification at a fixed 500 req/s (a mix of warm batch
 * codes, distinct unit codes and forgeries) and issuance at 20 req/s (10 unit codes each), at the
 * same time, for BENCH_SOAK_SECONDS (default 300). Reports latency, every status that was not the
 * expected one, and the server's memory, open handles and database connections sampled through
 * the run: they must level off, not grow. Never part of `npm test` (five minutes do not fit CI).
 *
 *   npm run bench -- soak                                     # PGlite
 *   DATABASE_URL=postgres://… BENCH_SOAK_SECONDS=60 npm run bench -- soak
 */
import { readFileSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { startBenchChild } from './child.ts';
import type { BenchServerInfo } from './verify-server.ts';

export interface SoakResult {
  kind: string;
  seconds: number;
  verify: { rate: number; requests: number; p50: number; p99: number; max: number; unexpected: number };
  issue: { rate: number; requests: number; p50: number; p99: number; max: number; unexpected: number };
  samples: { at: number; rssMb: number; fds: number; dbConnections: number | null }[];
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export async function benchSoak(): Promise<SoakResult> {
  const seconds = Number(process.env.BENCH_SOAK_SECONDS ?? 300);
  const server = await startBenchChild<BenchServerInfo>(new URL('./verify-server.ts', import.meta.url), [
    '20000',
  ]);
  const admin = process.env.DATABASE_URL
    ? new pg.Client({ connectionString: process.env.DATABASE_URL })
    : null;
  try {
    const info = server.info;
    await admin?.connect();
    process.stderr.write(`soak: ${info.kind}, ${seconds} s of 500 verifications/s and 20 issuances/s\n`);

    // One body in ten a forgery, two in ten the batch code, the rest distinct unit codes.
    const bodies = info.unitCodes.map((code, i) =>
      JSON.stringify({ code: i % 10 === 0 ? info.forgedCode : i % 10 < 3 ? info.batchCode : code }),
    );
    let i = 0;
    const samples: SoakResult['samples'] = [];
    const started = Date.now();
    const sample = async () => {
      let dbConnections: number | null = null;
      if (admin) {
        const r = await admin.query<{ n: number }>(
          // The bench server made a database of its own: count every client connection but ours.
          `select count(*)::int as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`,
        );
        dbConnections = r.rows[0]?.n ?? null;
      }
      samples.push({
        at: Math.round((Date.now() - started) / 1000),
        rssMb: rssMb(info.pid),
        fds: openFds(info.pid),
        dbConnections,
      });
    };
    await sample();
    const timer = setInterval(() => void sample(), Math.max(5, Math.round(seconds / 12)) * 1000);
    const [verify, issue] = await Promise.all([
      autocannon({
        url: `${info.appUrl}/api/v1/verify`,
        method: 'POST',
        connections: 50,
        overallRate: 500,
        duration: seconds,
        headers: { 'content-type': 'application/json', 'user-agent': 'autocannon (ocop-trace soak)' },
        requests: [
          { setupRequest: (req: autocannon.Request) => ({ ...req, body: bodies[i++ % bodies.length] }) },
        ],
      }),
      autocannon({
        url: `${info.appUrl}/api/v1/batches/${info.batchId}/codes`,
        method: 'POST',
        connections: 4,
        overallRate: 20,
        duration: seconds,
        headers: { 'content-type': 'application/json', authorization: info.adminAuthorization },
        body: JSON.stringify({ serials: 10 }),
      }),
    ]);
    clearInterval(timer);
    await sample();
    const summary = (r: autocannon.Result, rate: number) => ({
      rate,
      requests: r.requests.total,
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      unexpected: r.non2xx + r.errors + r.timeouts,
    });
    return {
      kind: info.kind,
      seconds,
      verify: summary(verify, 500),
      issue: summary(issue, 20),
      samples,
    };
  } finally {
    await admin?.end().catch(() => undefined);
    await server.stop();
  }
}

export function formatSoakBench(r: SoakResult): string {
  const first = r.samples[1] ?? r.samples[0]!;
  const last = r.samples.at(-1)!;
  const maxOf = (f: (s: SoakResult['samples'][number]) => number | null) =>
    Math.max(...r.samples.map((s) => f(s) ?? 0));
  return [
    `### Soak (${r.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'}, ${r.seconds} s; reliability.md L04)`,
    '',
    '| load | target rate | requests | p50 ms | p99 ms | max ms | unexpected statuses |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| verify (20 % batch code, 10 % forged, 70 % distinct units) | ${r.verify.rate}/s | ${r.verify.requests.toLocaleString('en')} | ${r.verify.p50} | ${r.verify.p99} | ${r.verify.max} | ${r.verify.unexpected} |`,
    `| issuance, 10 unit codes each | ${r.issue.rate}/s | ${r.issue.requests.toLocaleString('en')} | ${r.issue.p50} | ${r.issue.p99} | ${r.issue.max} | ${r.issue.unexpected} |`,
    '',
    '| sample (s) | RSS MB | open fds | DB connections |',
    '| ---: | ---: | ---: | ---: |',
    ...r.samples.map((s) => `| ${s.at} | ${s.rssMb} | ${s.fds} | ${s.dbConnections ?? '—'} |`),
    '',
    `After warm-up RSS went ${first.rssMb} → ${last.rssMb} MB (max ${maxOf((s) => s.rssMb)}), open fds ${first.fds} → ${last.fds}` +
      (r.kind === 'postgres'
        ? `, database connections at most ${maxOf((s) => s.dbConnections)} (pool 10 + the registry watch)`
        : '') +
      '. Catalogue target: verify p99 < 150 ms, no 5xx, memory and handles stable, pool never exhausted.',
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchSoak().then(
    (r) => process.stdout.write(formatSoakBench(r)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
