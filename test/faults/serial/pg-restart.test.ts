import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, verifyAuditChain, type DbHandle } from '@ocop/db';
import {
  BASE_URL,
  adminQuery,
  byStatus,
  freshDatabase,
  load,
  p,
  report,
  sleep,
  startServer,
  waitHealthy,
  type Outcome,
  type ServerProcess,
} from '../support.ts';
import { auditEntries, mix, prepare, type Prepared } from '../workloads.ts';

const exec = promisify(execFile);

/**
 * The real PostgreSQL of this machine is stopped, started and restarted while the real server is
 * under load (reliability.md D01). It stops the server every other test shares, so it never runs
 * inside `npm test`: vitest.config.ts leaves test/faults/serial out unless OCOP_FAULTS_SERIAL is
 * set, and `npm run test:faults` runs it alone (.ci/run does so after the PostgreSQL pass).
 */
const VERSION = (() => {
  try {
    return readdirSync('/etc/postgresql')[0];
  } catch {
    return undefined;
  }
})();

async function ctl(...args: string[]): Promise<void> {
  await exec('pg_ctlcluster', ['--skip-systemctl-redirect', VERSION!, 'main', ...args], { timeout: 60_000 });
}

async function ready(): Promise<boolean> {
  try {
    await exec('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432'], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** Never leave PostgreSQL stopped. */
async function ensureStarted(): Promise<void> {
  if (await ready()) return;
  await ctl('start').catch(() => {});
  for (let i = 0; i < 60 && !(await ready()); i++) await sleep(500);
}

/**
 * Wait (up to a minute) until no other client uses the server, so the restart does not break
 * someone else's run; returns how many other sessions were still connected when it went ahead.
 */
async function quietMoment(ownDb: string): Promise<number> {
  let others = 0;
  for (let i = 0; i < 60; i++) {
    const rows = await adminQuery<{ n: string }>(
      `select count(*) as n from pg_stat_activity
       where backend_type = 'client backend' and pid <> pg_backend_pid() and datname is distinct from $1`,
      [ownDb],
    );
    others = Number(rows[0]?.n ?? 0);
    if (others === 0) return 0;
    await sleep(1_000);
  }
  return others;
}

describe.runIf(Boolean(BASE_URL && VERSION && process.env.OCOP_FAULTS_SERIAL))(
  'PostgreSQL stopped, started and restarted under load',
  () => {
    let fresh: Awaited<ReturnType<typeof freshDatabase>>;
    let server: ServerProcess;
    let handle: DbHandle;
    let prepared: Prepared;

    beforeAll(async () => {
      await ensureStarted();
      fresh = await freshDatabase('ocop_restart');
      server = await startServer({ DATABASE_URL: fresh.url, TRUSTED_PROXIES: '127.0.0.1' });
      handle = createDb({ databaseUrl: fresh.url, poolSize: 2 });
      prepared = await prepare(server.origin, handle.db);
    }, 90_000);

    afterAll(async () => {
      await ensureStarted();
      server?.kill('SIGKILL');
      await handle?.close();
      await fresh?.drop();
    }, 90_000);

    it('D01: the process stays up, answers 503 + Retry-After fast while PostgreSQL is down, recovers without a restart, loses nothing', async () => {
      const m = mix(server.origin, prepared);
      const others = await quietMoment(fresh.name);
      const phases: { name: string; outcomes: Outcome[]; downMs?: number }[] = [];

      async function underLoad(name: string, fault: () => Promise<void>) {
        let stop = false;
        const running = load(
          6,
          () => stop,
          (i) => m.request(phases.length * 1_000_000 + i),
        );
        await sleep(500);
        const t0 = performance.now();
        await fault();
        await waitHealthy(server.origin, 60_000);
        const downMs = performance.now() - t0;
        await sleep(500);
        stop = true;
        const outcomes = await running;
        phases.push({ name, outcomes, downMs });
        expect(server.alive(), server.output()).toBe(true);
      }

      // 1. Stop (fast), stay down 3 s, start: while down every request must fail fast with 503.
      await underLoad('stop -m fast, down 3 s, start', async () => {
        await ctl('stop', '-m', 'fast');
        try {
          await sleep(3_000);
        } finally {
          await ctl('start');
        }
      });
      // 2. Restart in immediate mode (no checkpoint: crash recovery at start).
      await underLoad('restart -m immediate', async () => {
        await ctl('restart', '-m', 'immediate');
      });
      await ensureStarted();

      const all = phases.flatMap((ph) => ph.outcomes);
      const bad = all.filter((o) => ![200, 201, 503].includes(o.status));
      expect(bad.map((o) => `${o.status} ${o.error ?? JSON.stringify(o.body)}`)).toEqual([]);
      const failed = all.filter((o) => o.status === 503);
      expect(failed.length).toBeGreaterThan(0);
      for (const o of failed) {
        expect(o.retryAfter).toMatch(/^\d+$/);
        expect(o.ms).toBeLessThan(3_000);
      }

      // After recovery: writes succeed again, and nothing answered 2xx is missing or partial.
      let n = 0;
      const after = await load(
        4,
        () => n++ >= 40,
        (i) => [m.reports, m.batches, m.issuance][i % 3]!.request(9_000_000 + i),
      );
      expect(byStatus(after)).toEqual({ 201: after.length });
      // Failed batches re-sent with their Idempotency-Key are never created twice (checked below).
      const retried = await m.batches.retryFailed(all);
      expect(retried.filter((o) => o.status !== 201 && o.status !== 409)).toEqual([]);
      const checks = await m.verifyAll(handle.db, [...all, ...after, ...retried]);
      expect(await verifyAuditChain(handle.db)).toMatchObject({ ok: true });
      expect(server.alive()).toBe(true);

      report([
        `D01 real PostgreSQL ${VERSION} of this machine${others ? ` (went ahead with ${others} other sessions connected)` : ' (no other client connected)'}`,
        ...phases.map(
          (ph) =>
            `${ph.name}: ${ph.outcomes.length} requests ${JSON.stringify(byStatus(ph.outcomes))}, p99 ${p(ph.outcomes, 0.99)} ms, healthy again ${Math.round(ph.downMs ?? 0)} ms after the fault began`,
        ),
        `503 answers: ${failed.length}, all with Retry-After, slowest ${Math.round(Math.max(...failed.map((o) => o.ms)))} ms (< 3000); no 5xx other than 503, no hang`,
        `server process alive throughout (pid ${server.proc.pid}), recovered without a restart; after recovery ${after.length}/${after.length} writes 201; ${retried.length} failed batches re-sent with their key: ${retried.filter((o) => o.status === 201).length} created, ${retried.filter((o) => o.status === 409).length} already there (409)`,
        ...checks,
        `audit chain verifies (${await auditEntries(handle.db)} entries); PostgreSQL is running again (pg_isready)`,
      ]);
    }, 240_000);
  },
);
