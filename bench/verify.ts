/**
 * Verification throughput (issue 4; issue 9 point 1), measured with autocannon on loopback
 * against a server in a child process, next to the floors measured in the same run:
 *
 * - `bare`: a bare Fastify `GET /hello` (the most a route can do on this machine);
 * - `bare answer`: a bare Fastify `POST` that parses the same JSON body and sends a warm answer's
 *   bytes (what the request and the answer alone cost, with no work and no hooks);
 * - `raw-verify`: a bare Fastify route doing one node:crypto ES256 verify of a code;
 * - `verify warm`: `POST /api/v1/verify` of one genuine batch code, repeated;
 * - `verify cold`: distinct genuine unit codes, one after another — each sent once in the whole
 *   run (a code scanned again would find its signature check remembered);
 * - `verify forged`: a code with a broken signature (no registry lookup);
 * - `… at 1,000 req/s`: warm and cold at a fixed rate, for the latency target (p99 ≤ 25 ms): with
 *   autocannon's `overallRate` (each second's quota sent in a burst), and evenly spaced with the
 *   latency counted from when each request was due (bench/paced.ts).
 *
 * The throughput cases run in rounds (BENCH_ROUNDS, every case once a round) so that a route and
 * its floor are measured seconds apart, not minutes: this machine's speed drifts, sometimes by 2×
 * within a minute. A ratio is the median of the rounds' ratios, shown with their range.
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
import { paced } from './paced.ts';
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
  /** The median of the rounds' ratios (throughput), their range, and the CPU ratio over all rounds. */
  ratio: { of: string; value: number; min: number; max: number; cpu: number | null } | null;
}

export interface VerifyBenchRun {
  kind: string;
  pinned: boolean;
  /** Rounds of the throughput cases (every case once a round). */
  rounds: number;
  /** Unit codes sent twice because the issued ones ran out (0: every cold scan was a first scan). */
  coldCodesReused: number;
  rows: VerifyBenchRow[];
}

interface Case {
  name: string;
  url: string;
  method: 'GET' | 'POST';
  bodies?: Cursor;
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

/** CPU of every PostgreSQL process on this machine, by process id (the database's share of the work). */
function postgresCpu(): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    const used = cpuOf(Number(entry));
    if (used !== null) cpu.set(Number(entry), used);
  }
  return cpu;
}

/**
 * The CPU PostgreSQL spent between two readings. A backend that exited in between (the pool
 * closes idle connections) is left out rather than subtracted whole, and one started in between
 * counts from zero.
 */
function postgresCpuSince(before: Map<number, number>): number {
  let spent = 0;
  for (const [pid, used] of postgresCpu()) spent += Math.max(0, used - (before.get(pid) ?? 0));
  return spent;
}

/** Where each list of bodies is up to: a unit code is sent once in the whole run, never twice. */
class Cursor {
  #next = 0;
  /** Bodies sent again because the list ran out (the server issues `unitCodes` of them). */
  reused = 0;
  constructor(readonly bodies: readonly string[]) {}
  take(): string {
    if (this.#next >= this.bodies.length) this.reused++;
    return this.bodies[this.#next++ % this.bodies.length]!;
  }
}

async function load(c: Case, seconds: number, connections: number): Promise<autocannon.Result> {
  const bodies = c.bodies;
  return autocannon({
    url: c.url,
    method: c.method,
    connections,
    duration: seconds,
    ...(c.rate ? { overallRate: c.rate } : {}),
    headers: { 'content-type': 'application/json', 'user-agent': 'autocannon (ocop-trace bench)' },
    // One body: autocannon builds the request once (as for the bare GET); several: one each time.
    ...(bodies?.bodies.length === 1 ? { body: bodies.bodies[0] } : {}),
    ...(bodies && bodies.bodies.length > 1
      ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: bodies.take() }) }] }
      : {}),
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

async function benchOne(
  engine: 'postgres' | 'pglite',
  opts: {
    seconds: number;
    rounds: number;
    connections: number;
    unitCodes: number;
    pin: boolean;
    log: (s: string) => void;
  },
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
    const slice = opts.seconds / opts.rounds;
    opts.log(
      `bench server ready (${info.kind}${opts.pin ? ', pinned' : ''}, ${info.unitCodes.length} unit codes); ${opts.rounds} rounds of ${round2(slice)} s per case, ${opts.connections} connections`,
    );
    const body = (code: string) => JSON.stringify({ code });
    // Cold means never scanned before: one cursor over the unit codes for every case that sends
    // them to the app (the raw route keeps nothing, so it has its own).
    const units = info.unitCodes.map(body);
    const coldUnits = new Cursor(units);
    const one = (code: string) => new Cursor([body(code)]);
    const verifyUrl = `${info.appUrl}/api/v1/verify`;
    const cases: Case[] = [
      { name: 'bare Fastify GET /hello', url: `${info.bareUrl}/hello`, method: 'GET' },
      {
        name: 'raw ES256 verify route',
        url: `${info.bareUrl}/raw-verify`,
        method: 'POST',
        bodies: new Cursor(units),
      },
      {
        name: 'bare answer (same body in, same bytes out)',
        url: `${info.bareUrl}/answer`,
        method: 'POST',
        bodies: one(info.batchCode),
      },
      { name: 'verify warm (one batch code)', url: verifyUrl, method: 'POST', bodies: one(info.batchCode) },
      {
        name: 'verify warm, fast lane off (the route in Fastify)',
        url: verifyUrl,
        method: 'POST',
        bodies: one(info.batchCode),
        lane: false,
      },
      { name: 'verify cold (distinct unit codes)', url: verifyUrl, method: 'POST', bodies: coldUnits },
      { name: 'verify forged', url: verifyUrl, method: 'POST', bodies: one(info.forgedCode) },
    ];
    const rateCases: Case[] = [
      {
        name: 'verify warm at 1,000 req/s',
        url: verifyUrl,
        method: 'POST',
        bodies: one(info.batchCode),
        rate: 1000,
      },
      { name: 'verify cold at 1,000 req/s', url: verifyUrl, method: 'POST', bodies: coldUnits, rate: 1000 },
    ];
    const lane = async (enabled: boolean): Promise<number> => {
      const res = await fetch(`${info.bareUrl}/lane`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ enabled }),
      });
      return ((await res.json()) as { served: number }).served;
    };
    /** Runs `measure` with the server's CPU (node + PostgreSQL) and the lane's answers counted. */
    const metered = async <T>(
      c: Case,
      measure: () => Promise<T>,
    ): Promise<{ result: T; cpu: number | null; byLane: number }> => {
      const laneBefore = await lane(c.lane !== false);
      const cpu0 = cpuOf(info.pid);
      const pg0 = engine === 'postgres' ? postgresCpu() : null;
      const result = await measure();
      const cpu1 = cpuOf(info.pid);
      const pg = pg0 === null ? 0 : postgresCpuSince(pg0);
      const byLane = (await lane(true)) - laneBefore;
      return { result, cpu: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 + pg : null, byLane };
    };

    // Throughput: every case in turn, round after round, so that a floor and the route it is
    // compared with are measured seconds apart (the machine's speed drifts over minutes); each
    // ratio is the median of the rounds' ratios.
    interface Tally {
      rps: number[];
      p50: number[];
      p99: number[];
      requests: number;
      cpu: number | null;
      byLane: number;
      non2xx: number;
      errors: number;
    }
    const tallies = new Map<string, Tally>(
      cases.map((c) => [
        c.name,
        { rps: [], p50: [], p99: [], requests: 0, cpu: 0, byLane: 0, non2xx: 0, errors: 0 },
      ]),
    );
    for (let round = 0; round < opts.rounds; round++) {
      for (const c of cases) {
        if (round === 0) {
          await lane(c.lane !== false);
          await load(c, Math.min(2, opts.seconds), opts.connections); // warm-up, discarded
        }
        const { result: r, cpu, byLane } = await metered(c, () => load(c, slice, opts.connections));
        const t = tallies.get(c.name)!;
        t.rps.push(r.requests.total / Math.max(0.001, r.duration));
        t.p50.push(r.latency.p50);
        t.p99.push(r.latency.p99);
        t.requests += r.requests.total;
        t.cpu = t.cpu === null || cpu === null ? null : t.cpu + cpu;
        t.byLane += byLane;
        t.non2xx += r.non2xx;
        t.errors += r.errors + r.timeouts;
      }
    }
    const rows: VerifyBenchRow[] = cases.map((c) => {
      const t = tallies.get(c.name)!;
      const row: VerifyBenchRow = {
        name: c.name,
        requestsPerSecond: Math.round(median(t.rps)),
        p50Ms: median(t.p50),
        p99Ms: median(t.p99),
        non2xx: t.non2xx,
        errors: t.errors,
        cpuUsPerRequest: t.cpu !== null && t.requests > 0 ? Math.round(t.cpu / t.requests) : null,
        // Answers still being computed at the end of one slice finish in the next: at most all of them.
        byLane: t.requests > 0 ? Math.min(1, t.byLane / t.requests) : 0,
        ratio: null,
      };
      opts.log(
        `  ${c.name}: ${row.requestsPerSecond} req/s (rounds: ${t.rps.map(Math.round).join(', ')}), ${row.cpuUsPerRequest ?? '?'} µs CPU/req, ${Math.round(100 * row.byLane)} % by the fast lane`,
      );
      return row;
    });

    // Latency at a fixed rate: autocannon's `overallRate` (each second's quota sent in a burst),
    // then the same rate evenly spaced (bench/paced.ts: latency counted from when a request was due).
    for (const c of rateCases) {
      await lane(true);
      await load(c, Math.min(2, opts.seconds), 20); // warm-up, discarded
      const { result: r, cpu, byLane } = await metered(c, () => load(c, opts.seconds, 20));
      const served = r.requests.total;
      rows.push({
        name: `${c.name} (autocannon: bursts of the second’s quota)`,
        requestsPerSecond: Math.round(served / Math.max(0.001, r.duration)),
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        cpuUsPerRequest: cpu !== null && served > 0 ? Math.round(cpu / served) : null,
        byLane: served > 0 ? Math.min(1, byLane / served) : 0,
        ratio: null,
      });
      const bodies = c.bodies!;
      const evenly = (seconds: number) =>
        paced({
          url: c.url,
          bodies: Array.from({ length: Math.ceil(c.rate! * seconds) }, () => bodies.take()),
          rate: c.rate!,
          seconds,
          connections: 50,
        });
      await evenly(Math.min(2, opts.seconds)); // warm-up (the generator's own code too), discarded
      const p = await metered(c, () => evenly(opts.seconds));
      rows.push({
        name: `${c.name} (evenly spaced)`,
        requestsPerSecond: p.result.rate,
        p50Ms: p.result.p50Ms,
        p99Ms: p.result.p99Ms,
        non2xx: p.result.non2xx,
        errors: p.result.errors,
        cpuUsPerRequest:
          p.cpu !== null && p.result.answered > 0 ? Math.round(p.cpu / p.result.answered) : null,
        byLane: p.result.answered > 0 ? Math.min(1, p.byLane / p.result.answered) : 0,
        ratio: null,
      });
      for (const row of rows.slice(-2)) {
        opts.log(`  ${row.name}: ${row.requestsPerSecond} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms`);
      }
      opts.log(`    p99 of each second, evenly spaced: ${p.result.p99BySecondMs.join(', ')} ms`);
    }
    if (coldUnits.reused > 0) {
      opts.log(`  note: ${coldUnits.reused} unit codes were sent twice (raise the unit codes issued)`);
    }

    const row = (name: string) => rows.find((r) => r.name.startsWith(name))!;
    const ratio = (target: VerifyBenchRow, of: string) => {
      const floor = row(of);
      const floorRounds = tallies.get(floor.name)!.rps;
      const perRound = tallies.get(target.name)!.rps.map((rps, i) => rps / Math.max(1, floorRounds[i]!));
      const cpu =
        target.cpuUsPerRequest && floor.cpuUsPerRequest
          ? round2(floor.cpuUsPerRequest / target.cpuUsPerRequest)
          : null;
      target.ratio = {
        of,
        value: round2(median(perRound)),
        min: round2(Math.min(...perRound)),
        max: round2(Math.max(...perRound)),
        cpu,
      };
    };
    ratio(row('raw ES256'), 'bare Fastify');
    ratio(row('bare answer'), 'bare Fastify');
    ratio(row('verify warm ('), 'bare Fastify');
    ratio(row('verify warm, fast lane off'), 'bare Fastify');
    ratio(row('verify cold ('), 'raw ES256 verify');
    ratio(row('verify forged'), 'bare Fastify');
    return {
      kind: info.kind,
      pinned: opts.pin,
      rounds: opts.rounds,
      coldCodesReused: coldUnits.reused,
      rows,
    };
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
  opts: {
    seconds?: number;
    rounds?: number;
    connections?: number;
    unitCodes?: number;
    log?: (s: string) => void;
  } = {},
): Promise<VerifyBenchRun[]> {
  const seconds = opts.seconds ?? Number(process.env.BENCH_SECONDS ?? 10);
  const rounds = Math.max(1, Math.round(opts.rounds ?? Number(process.env.BENCH_ROUNDS ?? 4)));
  // Enough unit codes that no cold scan repeats one (each would find its signature remembered):
  // the warm-ups and the cold cases at up to ~7,000 req/s, and the three runs at 1,000 req/s.
  const unitCodes =
    opts.unitCodes ?? Number(process.env.BENCH_UNIT_CODES ?? Math.ceil((7_000 + 2_000) * (seconds + 2)));
  const connections = opts.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 50);
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  // Pinned: this process (autocannon) on core 0, the server on core 1 (PostgreSQL floats).
  const pin = process.env.BENCH_PIN === '1' && canPin();
  const engines: ('postgres' | 'pglite')[] = process.env.DATABASE_URL ? ['postgres', 'pglite'] : ['pglite'];
  const runs: VerifyBenchRun[] = [];
  for (const engine of engines) {
    runs.push(await benchOne(engine, { seconds, rounds, connections, unitCodes, pin, log }));
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
            } | ${r.byLane > 0 ? `${Math.round(r.byLane * 100)} %` : '—'} | ${
              r.ratio
                ? `${r.ratio.value}× ${r.ratio.of}${result.rounds > 1 ? ` (${r.ratio.min}–${r.ratio.max})` : ''}`
                : '—'
            } | ${r.ratio?.cpu ? `${r.ratio.cpu}×` : '—'} |`,
        ),
        '',
        `Throughput: ${result.rounds} round(s), every case once a round; req/s and p50/p99 are the median round, a ratio the median of the rounds' ratios (their range in brackets). ${
          result.coldCodesReused > 0
            ? `${result.coldCodesReused.toLocaleString('en')} unit codes were sent twice (too few issued): the cold figures are flattered.`
            : 'Every cold scan was the first scan of its unit code.'
        }`,
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
