import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/**
 * Helpers of the fault tests (reliability.md D01–D07, R01): a fresh PostgreSQL database on the
 * machine's server, the real server started as a child process against it, a loopback load with
 * per-request outcomes, and superuser SQL that injects the faults.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BASE_URL = process.env.DATABASE_URL;

/** A throwaway database on the server of DATABASE_URL; `drop` removes it whatever its state. */
export async function freshDatabase(
  prefix = 'ocop_fault',
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  if (!BASE_URL) throw new Error('DATABASE_URL is not set');
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const u = new URL(BASE_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: async () => {
      for (let i = 0; i < 20; i++) {
        try {
          await adminQuery(`drop database if exists ${name} with (force)`);
          return;
        } catch {
          await sleep(500);
        }
      }
    },
  };
}

/** One query as the superuser of DATABASE_URL, on the `postgres` database, on its own connection. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const u = new URL(BASE_URL!);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 3_000 });
  await c.connect();
  try {
    return (await c.query<R>(text, values)).rows;
  } finally {
    await c.end().catch(() => {});
  }
}

/** Terminate every backend connected to `db` (the app's pool), except `except`. Returns how many. */
export async function terminateBackends(db: string, except: number[] = []): Promise<number> {
  const rows = await adminQuery<{ n: string }>(
    `select count(*) filter (where pg_terminate_backend(pid)) as n from pg_stat_activity
     where datname = $1 and pid <> pg_backend_pid() and not (pid = any($2::int[]))`,
    [db, except],
  );
  return Number(rows[0]?.n ?? 0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  origin: string;
  output: () => string;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Secrets shared by every server a test file starts, so a second server on the same database reads
 * the first one's tokens and signing keys (encrypted at rest under the key-encryption key).
 */
const SECRETS = {
  KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  AUTH_TOKEN_SECRET: randomBytes(32).toString('base64'),
};

/** Start `api/src/server.ts` with tsx as a child process and wait until /api/health answers. */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'api/src/server.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: origin,
      ...SECRETS,
      DEMO_MODE: 'false',
      SERVE_SITE: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${origin}/api/health`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  if (Date.now() >= deadline) {
    proc.kill('SIGKILL');
    throw new Error(`server did not become healthy:\n${out}`);
  }
  return {
    proc,
    port,
    origin,
    output: () => out,
    exited,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    kill: (signal = 'SIGTERM') => {
      if (proc.exitCode === null) proc.kill(signal);
    },
  };
}

export interface Outcome {
  status: number;
  ms: number;
  retryAfter: string | null;
  body: unknown;
  /** What the request asked for (the workload's own record). */
  sent: unknown;
  error?: string;
}

/**
 * Run `worker` from `concurrency` loops until `until()` is true; every call's outcome is kept.
 * A request that does not answer within 10 s counts as status 0 (a hang).
 */
export async function load(
  concurrency: number,
  until: () => boolean,
  worker: (i: number) => { url: string; init: RequestInit; sent: unknown },
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!until()) {
        const { url, init, sent } = worker(n++);
        const started = performance.now();
        try {
          const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
          const text = await res.text();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // keep the text
          }
          outcomes.push({
            status: res.status,
            ms: performance.now() - started,
            retryAfter: res.headers.get('retry-after'),
            body,
            sent,
          });
        } catch (err) {
          outcomes.push({
            status: 0,
            ms: performance.now() - started,
            retryAfter: null,
            body: null,
            sent,
            error: String(err),
          });
        }
      }
    }),
  );
  return outcomes;
}

/** Counts of outcomes by status, e.g. `{201: 310, 503: 42}`. */
export function byStatus(outcomes: Outcome[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const o of outcomes) out[o.status] = (out[o.status] ?? 0) + 1;
  return out;
}

export function p(outcomes: Outcome[], q: number): number {
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  return Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0);
}

/** Poll /api/health until it answers 200; returns the milliseconds it took. */
export async function waitHealthy(origin: string, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    try {
      const res = await fetch(`${origin}/api/health`, { signal: AbortSignal.timeout(3_000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - started;
    } catch {
      // keep polling
    }
    await sleep(100);
  }
  throw new Error(`not healthy after ${timeoutMs} ms`);
}

/** A line of the printed fault report. */
export function report(lines: string[]): void {
  console.log(['', ...lines.map((l) => `  [faults] ${l}`), ''].join('\n'));
}
