import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { DbHandle } from '@ocop/db';
import type { EcPublicJwk } from '@ocop/domain';
import type { Config } from '../../config.ts';
import { addRouteHook } from '../../plugins/route-hooks.ts';
import { es256Checker } from './es256-check.mjs';
import { SignatureWorkers } from './signature-workers.ts';
import { insertScans, type BatchRecord, type CodeRow, type ScanRecord } from './queries.ts';
import type { VerifyLane } from './lane.ts';

/**
 * The verification's hot state (issue 9): what a scan needs, kept in memory so that a repeated
 * code costs no database round trip and a new one costs one.
 *
 * - Issued code rows, forever (an issued code never changes), in a bounded LRU.
 * - Batch records (batch, product, producer, certificates, zones, events, units), until the
 *   registry changes: every registry table sends `NOTIFY ocop_registry` at commit (migration
 *   20261129T082000Z), whoever wrote it, and this process also drops them before answering any
 *   write it served itself. A read that began before a change is not kept (a generation counter),
 *   and nothing is kept while the notification link is down (then every scan reads the database,
 *   and fails to `status_unknown` with it).
 * - Scan counts of batch codes, read once and counted here after (other processes' scans are seen
 *   when the count is re-read, every {@link BATCH_COUNT_TTL_MS} on PostgreSQL, until the count is
 *   past the batch's limit; see {@link BatchScanCounts}).
 * - Verified signatures (ES256 with node:crypto and cached key objects).
 * - Scans are written in batches, a few milliseconds after they happen ({@link ScanLog}).
 */

export const REGISTRY_CHANNEL = 'ocop_registry';
/** Longest a batch record is kept even when no change was announced (a lost notification). */
export const BATCH_RECORD_TTL_MS = 5 * 60_000;
/** How often a batch code's scan count is re-read (to see other processes' scans). */
export const BATCH_COUNT_TTL_MS = 60_000;

/** A map that forgets its least recently used entries beyond `max`. */
export class Lru<K, V> {
  readonly #map = new Map<K, V>();
  constructor(readonly max: number) {}
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as K);
  }
  delete(key: K): void {
    this.#map.delete(key);
  }
  clear(): void {
    this.#map.clear();
  }
  get size(): number {
    return this.#map.size;
  }
}

interface Logger {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

/**
 * Hears `NOTIFY ocop_registry`: PGlite's own listener, or a dedicated PostgreSQL connection that
 * reconnects with backoff. It counts as live only once a NOTIFY sent through the app's pool has
 * come back on it, and that round trip is repeated every 30 s (a silently dead link must not keep
 * a cache).
 */
export class RegistryWatch {
  #live = false;
  #closed = false;
  #client: pg.Client | null = null;
  #retry: NodeJS.Timeout | null = null;
  #probe: NodeJS.Timeout | null = null;
  #unlisten: (() => Promise<void>) | null = null;
  #backoffMs = 500;

  constructor(
    private readonly handle: DbHandle,
    private readonly changed: () => void,
    private readonly log: Logger,
  ) {}

  /** True while every committed change will be heard. */
  get live(): boolean {
    if (!this.#live || this.#closed) return false;
    // The app's own connection closed (shutdown, or tests that take the database away).
    const { pglite, pool } = this.handle;
    if (pglite) return !pglite.closed;
    return pool ? !pool.ending && !pool.ended : false;
  }

  async start(): Promise<void> {
    if (this.handle.kind === 'pglite' && this.handle.pglite) {
      try {
        this.#unlisten = await this.handle.pglite.listen(REGISTRY_CHANNEL, () => this.changed());
        this.#live = true;
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'registry changes cannot be heard: no caching');
      }
      return;
    }
    if (this.handle.kind === 'postgres' && this.handle.pool) await this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const options = this.handle.pool!.options;
    const client = new pg.Client({
      ...(options.connectionString ? { connectionString: options.connectionString } : {}),
      ...(options.host ? { host: options.host } : {}),
      ...(options.port ? { port: options.port } : {}),
      ...(options.user ? { user: options.user } : {}),
      ...(typeof options.password === 'string' ? { password: options.password } : {}),
      ...(options.database ? { database: options.database } : {}),
      connectionTimeoutMillis: 2_000,
      keepAlive: true,
      application_name: 'ocop-trace registry watch',
    });
    const probes = new Map<string, () => void>();
    /**
     * A NOTIFY sent the way writers send theirs (through the app's pool, committed) must come back
     * on this connection: proves the whole path, not just that a socket is open. Behind a pooler
     * in transaction mode (PgBouncer) LISTEN hears nothing, and then nothing is ever cached.
     */
    const roundTrip = async (): Promise<void> => {
      const payload = `probe:${randomUUID()}`;
      const heard = new Promise<void>((resolve) => probes.set(payload, resolve));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('a NOTIFY sent through the pool was not heard')), 5_000);
      });
      try {
        await Promise.race([
          this.handle.pool!.query('select pg_notify($1, $2)', [REGISTRY_CHANNEL, payload]).then(() => heard),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
        probes.delete(payload);
      }
    };
    const lost = (why: string) => {
      if (this.#client !== client) return;
      const wasLive = this.#live;
      this.#client = null;
      this.#live = false;
      this.changed();
      if (this.#probe) clearInterval(this.#probe);
      this.#probe = null;
      client.removeAllListeners('notification');
      client.on('error', () => undefined);
      client.end().catch(() => undefined);
      if (this.#closed) return;
      if (wasLive || this.#backoffMs === 500) {
        this.log.warn({ why }, 'registry watch down; scans read the database until it is back');
      }
      this.#retry = setTimeout(() => void this.#connect(), this.#backoffMs);
      this.#retry.unref();
      this.#backoffMs = Math.min(this.#backoffMs * 2, 10_000);
    };
    this.#client = client;
    client.on('error', (err) => lost(err.message));
    client.on('end', () => lost('connection ended'));
    client.on('notification', (msg) => {
      if (msg.payload?.startsWith('probe:')) probes.get(msg.payload)?.();
      else this.changed();
    });
    try {
      await client.connect();
      await client.query(`listen ${REGISTRY_CHANNEL}`);
      await roundTrip();
    } catch (err) {
      lost((err as Error).message);
      return;
    }
    if (this.#closed || this.#client !== client) {
      await client.end().catch(() => undefined);
      return;
    }
    // Anything may have changed while nobody listened.
    this.changed();
    this.#live = true;
    this.#backoffMs = 500;
    this.#probe = setInterval(() => {
      roundTrip().catch((err: Error) => lost(err.message));
    }, 30_000);
    this.#probe.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#live = false;
    if (this.#retry) clearTimeout(this.#retry);
    if (this.#probe) clearInterval(this.#probe);
    const client = this.#client;
    this.#client = null;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
    if (this.#unlisten) await this.#unlisten().catch(() => undefined);
  }
}

/** Issued code rows and batch records in memory, kept correct as described above. */
export class HotRegistry {
  /** Batch codes' rows (a unit code's row is read with its scans, every time). */
  readonly codes = new Lru<string, CodeRow>(200_000);
  readonly #batches = new Map<string, { at: number; record: BatchRecord }>();
  #generation = 0;
  readonly watch: RegistryWatch;

  constructor(handle: DbHandle, log: Logger) {
    this.watch = new RegistryWatch(handle, () => this.changed(), log);
  }

  /** The registry changed (or may have): drop every batch record, and reads in flight. */
  changed(): void {
    this.#generation++;
    this.#batches.clear();
  }

  /** Marks the start of a read whose result may be kept with {@link keepBatch}. */
  get generation(): number {
    return this.#generation;
  }

  batch(batchId: string): BatchRecord | undefined {
    const hit = this.#batches.get(batchId);
    if (hit === undefined) return undefined;
    if (!this.watch.live || Date.now() - hit.at > BATCH_RECORD_TTL_MS) {
      this.#batches.delete(batchId);
      return undefined;
    }
    return hit.record;
  }

  /** Keeps a batch record read since `generation`, unless the registry changed in between. */
  keepBatch(batchId: string, record: BatchRecord, generation: number): void {
    if (generation !== this.#generation || !this.watch.live) return;
    if (this.#batches.size >= 20_000) this.#batches.clear();
    this.#batches.set(batchId, { at: Date.now(), record });
  }
}

/**
 * Scan counts of batch codes: read once, then counted here as the scans happen, and re-read every
 * `ttlMs` to see other processes' scans. Two counts are not re-read:
 * - none, when no other process can write scans (`ttlMs` infinite: the embedded database belongs
 *   to this process, and every scan of it goes through here);
 * - one that reached the cap it was read with, by the read (`countBatchScans` stops there: the cap
 *   is one past the batch's limit) or by this process's scans since: a batch code's scans only
 *   grow, so it is past the limit for good, for any question asked with that cap or a smaller one,
 *   and re-reading tens of thousands of scans of a copied label every minute would only say so
 *   again. A larger cap (more unit codes
 *   issued for the batch since) asks again.
 */
export class BatchScanCounts {
  readonly #counts = new Lru<string, { at: number; count: number; cap: number }>(50_000);
  readonly #reading = new Map<string, Promise<number>>();

  constructor(private readonly ttlMs: number = BATCH_COUNT_TTL_MS) {}

  /** The count of `path` if it is known and still answers a question asked with `cap`. */
  get(path: string, cap: number): number | undefined {
    const known = this.lookup(path, cap);
    return known === undefined || known.stale ? undefined : known.count;
  }

  /**
   * As {@link get}, but a count past its time to live is still answered, `stale`, for the caller
   * to answer with while it is read again ({@link read}): a batch code's scans only grow, and all
   * a stale count lacks is other processes' scans since. Never a count cut at a smaller cap.
   */
  lookup(path: string, cap: number): { count: number; stale: boolean } | undefined {
    const hit = this.#counts.get(path);
    if (hit === undefined) return undefined;
    // At or past the cap it was read with (this process's scans counted since included): for good,
    // for that cap or a smaller one; a larger one (more unit codes issued since) asks again.
    if (hit.count >= hit.cap) return cap <= hit.cap ? { count: hit.count, stale: false } : undefined;
    return { count: hit.count, stale: Date.now() - hit.at > this.ttlMs };
  }

  /**
   * Reads the count of `path` with `count` and keeps it — once, however many scans ask at the same
   * time. A popular batch code is scanned on many connections at once; each used to count its
   * scans in the database when the kept count expired, up to 3 rows a unit each time.
   */
  read(path: string, cap: number, count: () => Promise<number>): Promise<number> {
    const key = `${cap} ${path}`;
    let reading = this.#reading.get(key);
    if (reading === undefined) {
      reading = count()
        .then((n) => {
          this.set(path, n, cap);
          return n;
        })
        .finally(() => this.#reading.delete(key));
      this.#reading.set(key, reading);
    }
    return reading;
  }

  /** The count read from the database with `cap` (plus this process's scans not written yet). */
  set(path: string, count: number, cap: number): void {
    this.#counts.set(path, { at: Date.now(), count, cap });
  }

  /** One more verified scan of `path` was recorded. */
  add(path: string): void {
    const hit = this.#counts.get(path);
    if (hit !== undefined) hit.count++;
  }
}

/**
 * ES256 checks with node:crypto (about twice as fast as WebCrypto here), with the public keys
 * imported once and results remembered: a repeated code — a genuine label scanned in every shop,
 * or one counterfeit label scanned again and again — is not checked again. The result depends
 * only on the key, the signing input and the signature, so it never goes stale. Bounded LRUs: a
 * flood of distinct forgeries only pushes out older entries. With `workers`, a check not
 * remembered runs on a worker thread; without, synchronously here.
 */
export function es256Verifier(opts: { max?: number; workers?: number } = {}): ((
  jwk: EcPublicJwk,
  signingInput: string,
  signature: Uint8Array,
) => boolean | Promise<boolean>) & {
  close(): Promise<void>;
} {
  const results = new Lru<string, boolean>(opts.max ?? 100_000);
  const { keyOf, check: here } = es256Checker();
  const pool = opts.workers
    ? new SignatureWorkers(opts.workers, (job) => here(job.x, job.y, job.input, job.signature))
    : null;
  const check = (
    jwk: EcPublicJwk,
    signingInput: string,
    signature: Uint8Array,
  ): boolean | Promise<boolean> => {
    if (keyOf(jwk.x, jwk.y) === null || signature.length !== 64) return false;
    // A digest of key, input and signature: 43 characters a remembered check, not 400.
    const memo = createHash('sha256')
      .update(`${jwk.x}.${jwk.y}`)
      .update('\0')
      .update(signingInput)
      .update('\0')
      .update(signature)
      .digest('base64url');
    const known = results.get(memo);
    if (known !== undefined) return known;
    if (pool) {
      return pool.check(jwk.x, jwk.y, signingInput, signature).then((ok) => {
        results.set(memo, ok);
        return ok;
      });
    }
    const ok = here(jwk.x, jwk.y, signingInput, signature);
    results.set(memo, ok);
    return ok;
  };
  return Object.assign(check, { close: async () => pool?.close() });
}

export interface ScanLogOptions {
  /** How long a scan may wait before it is written (ms). */
  flushMs: number;
  /** Scans written in one statement at most. */
  maxBatch: number;
  /** Scans kept while the database cannot take them; beyond, the oldest are dropped (and counted). */
  maxPending: number;
}

/**
 * Scans are written in batches of one INSERT a few milliseconds after they happen, not one commit
 * each (a commit waits for the disk: one each made the database the limit of the whole route).
 * While the database is down they wait, bounded, and are written when it is back; on close they
 * are flushed. A scan still waiting is counted in the history of its code by flushing that code's
 * scans before its history is read ({@link pendingFor}).
 */
export class ScanLog {
  #pending: ScanRecord[] = [];
  /** How many of `#pending` each path has (asked on every unit-code scan: no walk of the list). */
  readonly #pendingByPath = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #failures = 0;
  #closed = false;
  /** Scans dropped because the database stayed away too long (reported in the log). */
  dropped = 0;
  written = 0;

  constructor(
    private readonly handle: DbHandle,
    private readonly opts: ScanLogOptions,
    private readonly log: Logger,
  ) {}

  add(scan: ScanRecord): void {
    this.#pending.push(scan);
    this.#pendingByPath.set(scan.path, (this.#pendingByPath.get(scan.path) ?? 0) + 1);
    if (this.#pending.length > this.opts.maxPending) {
      const over = this.#pending.length - this.opts.maxPending;
      for (const dropped of this.#pending.splice(0, over)) this.#forget(dropped);
      this.dropped += over;
      if (this.dropped === over || this.dropped % 1000 < over) {
        this.log.warn({ dropped: this.dropped }, 'scans dropped: the database has not taken them');
      }
    }
    if (this.#pending.length >= this.opts.maxBatch && this.#failures === 0) void this.flush();
    else this.#schedule(this.opts.flushMs);
  }

  /** Scans of `path` not written yet. */
  pendingFor(path: string): number {
    return this.#pendingByPath.get(path) ?? 0;
  }

  #forget(scan: ScanRecord): void {
    const n = (this.#pendingByPath.get(scan.path) ?? 1) - 1;
    if (n > 0) this.#pendingByPath.set(scan.path, n);
    else this.#pendingByPath.delete(scan.path);
  }

  get pending(): number {
    return this.#pending.length;
  }

  #schedule(ms: number): void {
    if (this.#timer !== null || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, ms);
  }

  /** Writes every waiting scan; resolves when they are written or the attempt failed. */
  flush(): Promise<void> {
    if (this.#flushing)
      return this.#flushing.then(() => (this.#pending.length > 0 ? this.flush() : undefined));
    if (this.#pending.length === 0) return Promise.resolve();
    this.#flushing = this.#write().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #write(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.slice(0, this.opts.maxBatch);
      try {
        await insertScans(this.handle, batch);
      } catch (err) {
        this.#failures++;
        if (this.#failures === 1)
          this.log.warn({ err: (err as Error).message }, 'scans not written yet; retrying');
        this.#schedule(Math.min(250 * 2 ** Math.min(this.#failures, 6), 10_000));
        return;
      }
      // Written: drop exactly those (others may have been added, or the oldest dropped, meanwhile).
      const done = new Set(batch);
      const waiting: ScanRecord[] = [];
      for (const s of this.#pending) {
        if (done.has(s)) this.#forget(s);
        else waiting.push(s);
      }
      this.#pending = waiting;
      this.written += batch.length;
      if (this.#failures > 0) this.log.info?.({ after: this.#failures }, 'scans written again');
      this.#failures = 0;
    }
  }

  /** Flushes what is waiting (one attempt) and stops. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.flush().catch(() => undefined);
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.length > 0) {
      this.log.warn({ lost: this.#pending.length }, 'scans not written before shutdown');
    }
  }
}

/** The hot state of verification, one per app. */
export interface VerifyHotState {
  registry: HotRegistry;
  batchCounts: BatchScanCounts;
  scans: ScanLog;
  verifySignature: ReturnType<typeof es256Verifier>;
  /** The fast lane of the verification route (lane.ts), once the route is registered. */
  lane?: VerifyLane;
}

declare module 'fastify' {
  interface FastifyInstance {
    verifyHot: VerifyHotState;
  }
}

/** Paths whose POSTs change nothing the verification shows. */
const READ_ONLY_POSTS = new Set(['/api/v1/verify']);

/**
 * Registered at the root (before the routes): starts the registry watch, and drops the cached
 * batch records before this process answers any write it served, so whoever wrote sees the
 * change in the next scan even before the notification arrives.
 */
export const verifyHotPlugin = fp(
  async (app: FastifyInstance, opts: { config: Readonly<Config> }) => {
    const registry = new HotRegistry(app.dbHandle, app.log);
    const state: VerifyHotState = {
      registry,
      // PGlite is embedded: no other process writes its scans, so counts need no re-reading.
      batchCounts: new BatchScanCounts(
        app.dbHandle.kind === 'pglite' ? Number.POSITIVE_INFINITY : BATCH_COUNT_TTL_MS,
      ),
      scans: new ScanLog(app.dbHandle, { flushMs: 20, maxBatch: 500, maxPending: 50_000 }, app.log),
      verifySignature: es256Verifier({ workers: opts.config.verifyWorkers }),
    };
    await registry.watch.start();
    app.decorate('verifyHot', state);
    // Only on routes that can write (an app-level hook would run on every scan, too).
    const forget = (
      _request: unknown,
      _reply: unknown,
      payload: unknown,
      done: (err: null, p: unknown) => void,
    ) => {
      registry.changed();
      done(null, payload);
    };
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const writes = methods.some((m) => m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS');
      if (writes && !READ_ONLY_POSTS.has(route.url)) addRouteHook(route, 'onSend', forget);
    });
    app.addHook('onClose', async () => {
      await state.scans.close();
      await registry.watch.close();
      await state.verifySignature.close();
    });
  },
  { name: 'verify-hot', dependencies: ['db'] },
);
