/**
 * Verification throughput (issue 4; issue 9 point 1), measured with autocannon on loopback
 * against a server in a child process, next to the floors measured in the same run:
 *
 * - `bare`: a bare Fastify `GET /hello` (the most a route can do on this machine);
 * - `bare answer`: a bare Fastify `POST` that parses the same JSON body and sends a warm answer's
 *   bytes (what the request and the answer alone cost, with no work and no hooks);
 * - `raw-verify`: a bare Fastify route doing one node:crypto ES256 verify of a code;
 * - `verify warm`: `POST /api/v1/verify` of one genuine batch code, repeated;
 * - `verify cold`: distinct genuine unit codes, one after another;
 * - `verify forged`: a code with a broken signature (no registry lookup);
 * - `… at 1,000 req/s`: warm and cold at a fixed rate, for the latency target (p99 ≤ 25 ms).
 *
 * Each row has two ratios: requests per second (what the issue's targets are written in), and
 * the CPU time the server spent per request — the server process plus the PostgreSQL backends —
 * read from /proc before and after the case. The second is steadier on a shared 2-core machine,
 * where the load generator and whatever else runs take cores from the server.
 *
 * On PostgreSQL when DATABASE_URL is set, and always on PGlite too (one table each). Ratios only,
 * no thresholds (this is never part of `npm test`).
 *
 *   npx tsx bench/verify.ts                         # PGlite in memory
 *   DATABASE_URL=postgres://… npx tsx bench/verify.ts
 *   BENCH_SECONDS=5 BENCH_CONNECTIONS=20 npx tsx bench/verify.ts
 *   BENCH_PIN=1 …                                   # server on core 1, load generator on core 0
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { startBenchChild } from './child.ts';
import type { BenchServerInfo } from './verify-server.ts';

export interface VerifyBenchRow {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Server CPU per request (node + PostgreSQL backends), in microseconds; null when unreadable. */
  cpuUsPerRequest: number | null;
  /** Share of the answers given by the verification's fast lane (routes/verify/lane.ts). */
  byLane: number;
  /** Against which floor the ratio is taken, and the ratios (throughput, and CPU per request). */
  ratio: { of: string; value: number; cpu: number | null } | null;
}

export interface VerifyBenchRun {
  kind: string;
  pinned: boolean;
  rows: VerifyBenchRow[];
}

interface Case {
  name: string;
  url: string;
  method: 'GET' | 'POST';
  bodies?: string[];
  rate?: number;
  /** The verification's fast lane (on unless false). */
  lane?: false;
}

const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

/** utime + stime of a process and its threads, in microseconds (null if it is gone). */
function cpuOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return null;
  }
}

/** CPU of every PostgreSQL backend on this machine (the database's share of the work). */
function postgresCpu(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    total += cpuOf(Number(entry)) ?? 0;
  }
  return total;
}

async function load(c: Case, seconds: number, connections: number): Promise<autocannon.Result> {
  let i = 0;
  const bodies = c.bodies;
  return autocannon({
    url: c.url,
    method: c.method,
    connections,
    duration: seconds,
    ...(c.rate ? { overallRate: c.rate } : {}),
    headers: { 'content-type': 'application/json', 'user-agent': 'autocannon (ocop-trace bench)' },
    // One body: autocannon builds the request once (as for the bare GET); several: one each time.
    ...(bodies?.length === 1 ? { body: bodies[0] } : {}),
    ...(bodies && bodies.length > 1
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

async function benchOne(
  engine: 'postgres' | 'pglite',
  opts: { seconds: number; connections: number; unitCodes: number; pin: boolean; log: (s: string) => void },
): Promise<VerifyBenchRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
  if (engine === 'pglite') delete env.DATABASE_URL;
  const server = await startBenchChild<BenchServerInfo>(
    new URL('./verify-server.ts', import.meta.url),
    [String(opts.unitCodes)],
    { env, ...(opts.pin ? { pinToCore: 1 } : {}) },
  );
  try {
    const info = server.info;
    opts.log(
      `bench server ready (${info.kind}${opts.pin ? ', pinned' : ''}, ${info.unitCodes.length} unit codes); ${opts.seconds} s per case, ${opts.connections} connections`,
    );
    const body = (code: string) => JSON.stringify({ code });
    const units = info.unitCodes.map(body);
    const verifyUrl = `${info.appUrl}/api/v1/verify`;
    const cases: Case[] = [
      { name: 'bare Fastify GET /hello', url: `${info.bareUrl}/hello`, method: 'GET' },
      { name: 'raw ES256 verify route', url: `${info.bareUrl}/raw-verify`, method: 'POST', bodies: units },
      {
        name: 'bare answer (same body in, same bytes out)',
        url: `${info.bareUrl}/answer`,
        method: 'POST',
        bodies: [body(info.batchCode)],
      },
      {
        name: 'verify warm (one batch code)',
        url: verifyUrl,
        method: 'POST',
        bodies: [body(info.batchCode)],
      },
      {
        name: 'verify warm, fast lane off (the route in Fastify)',
        url: verifyUrl,
        method: 'POST',
        bodies: [body(info.batchCode)],
        lane: false,
      },
      { name: 'verify cold (distinct unit codes)', url: verifyUrl, method: 'POST', bodies: units },
      { name: 'verify forged', url: verifyUrl, method: 'POST', bodies: [body(info.forgedCode)] },
      {
        name: 'verify warm at 1,000 req/s',
        url: verifyUrl,
        method: 'POST',
        bodies: [body(info.batchCode)],
        rate: 1000,
      },
      { name: 'verify cold at 1,000 req/s', url: verifyUrl, method: 'POST', bodies: units, rate: 1000 },
    ];
    const lane = async (enabled: boolean): Promise<number> => {
      const res = await fetch(`${info.bareUrl}/lane`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ enabled }),
      });
      return ((await res.json()) as { served: number }).served;
    };
    const rows: VerifyBenchRow[] = [];
    for (const c of cases) {
      await lane(c.lane !== false);
      await load(c, Math.min(2, opts.seconds), opts.connections); // warm-up, discarded
      const laneBefore = await lane(c.lane !== false);
      const cpu0 = cpuOf(info.pid);
      const pg0 = engine === 'postgres' ? postgresCpu() : 0;
      const r = await load(c, opts.seconds, c.rate ? 20 : opts.connections);
      const cpu1 = cpuOf(info.pid);
      const pg1 = engine === 'postgres' ? postgresCpu() : 0;
      const served = r.requests.total;
      const byLane = (await lane(true)) - laneBefore;
      const cpuUs =
        cpu0 !== null && cpu1 !== null && served > 0
          ? Math.round((cpu1 - cpu0 + (pg1 - pg0)) / served)
          : null;
      rows.push({
        name: c.name,
        requestsPerSecond: Math.round(r.requests.average),
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        cpuUsPerRequest: cpuUs,
        // Answers still being computed at the end of one case finish in the next: at most all of them.
        byLane: served > 0 ? Math.min(1, byLane / served) : 0,
        ratio: null,
      });
      opts.log(
        `  ${c.name}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, ${cpuUs ?? '?'} µs CPU/req, ${Math.round(100 * Math.min(1, byLane / Math.max(1, served)))} % by the fast lane`,
      );
    }
    const row = (name: string) => rows.find((r) => r.name.startsWith(name))!;
    const ratio = (target: VerifyBenchRow, of: string) => {
      const floor = row(of);
      const cpu =
        target.cpuUsPerRequest && floor.cpuUsPerRequest
          ? Math.round((floor.cpuUsPerRequest / target.cpuUsPerRequest) * 100) / 100
          : null;
      target.ratio = {
        of,
        value: Math.round((target.requestsPerSecond / Math.max(1, floor.requestsPerSecond)) * 100) / 100,
        cpu,
      };
    };
    ratio(row('raw ES256'), 'bare Fastify');
    ratio(row('bare answer'), 'bare Fastify');
    ratio(row('verify warm ('), 'bare Fastify');
    ratio(row('verify warm, fast lane off'), 'bare Fastify');
    ratio(row('verify cold ('), 'raw ES256 verify');
    ratio(row('verify forged'), 'bare Fastify');
    return { kind: info.kind, pinned: opts.pin, rows };
  } finally {
    await server.stop();
  }
}

function canPin(): boolean {
  try {
    execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function benchVerify(
  opts: { seconds?: number; connections?: number; unitCodes?: number; log?: (s: string) => void } = {},
): Promise<VerifyBenchRun[]> {
  const seconds = opts.seconds ?? Number(process.env.BENCH_SECONDS ?? 10);
  const connections = opts.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 50);
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  // Pinned: this process (autocannon) on core 0, the server on core 1 (PostgreSQL floats).
  const pin = process.env.BENCH_PIN === '1' && canPin();
  const engines: ('postgres' | 'pglite')[] = process.env.DATABASE_URL ? ['postgres', 'pglite'] : ['pglite'];
  const runs: VerifyBenchRun[] = [];
  for (const engine of engines) {
    runs.push(
      await benchOne(engine, { seconds, connections, unitCodes: opts.unitCodes ?? 20_000, pin, log }),
    );
  }
  return runs;
}

export function formatVerifyBench(runs: VerifyBenchRun[]): string {
  return runs
    .map((result) =>
      [
        `### Verify (${result.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'}; ${
          result.pinned
            ? 'server pinned to core 1, autocannon to core 0'
            : 'server and autocannon share the machine'
        })`,
        '',
        '| case | req/s | p50 ms | p99 ms | non-2xx | server CPU µs/req | by the fast lane | ratio (req/s) | ratio (CPU/req) |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
        ...result.rows.map(
          (r) =>
            `| ${r.name} | ${r.requestsPerSecond.toLocaleString('en')} | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx + r.errors} | ${
              r.cpuUsPerRequest ?? '?'
            } | ${r.byLane > 0 ? `${Math.round(r.byLane * 100)} %` : '—'} | ${r.ratio ? `${r.ratio.value}× ${r.ratio.of}` : '—'} | ${r.ratio?.cpu ? `${r.ratio.cpu}×` : '—'} |`,
        ),
        '',
        'Targets (issue 9): warm ≥ 0.5× bare Fastify, cold ≥ 0.6× the raw ES256 route, p99 ≤ 25 ms at 1,000 req/s.',
        'The CPU ratio is the floor’s CPU per request over the route’s (≥ 1 would be as cheap as the floor).',
        '',
      ].join('\n'),
    )
    .join('\n');
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
