import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SqlBool,
  type Transaction,
} from 'kysely';
import { withActor, type Database } from '@ocop/db';
import { AppError } from '../errors.ts';
import { addRouteHook } from './route-hooks.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route creates something and honours the `Idempotency-Key` header. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotencyClaim: IdempotencyClaim | null;
  }
}

/** A key claimed by the running request. */
export interface IdempotencyClaim {
  userId: string;
  key: string;
  /** Names this request as the claim's holder (`claim_token`). */
  token: string;
  /** Set once the handler wrote its answer inside its transaction ({@link recordIdempotentAnswer}). */
  recorded: boolean;
  heartbeat: NodeJS.Timeout | null;
  /**
   * Local time (ms) by which the lease has surely run out unless renewed: set after the claim and
   * after each heartbeat's statement ends (whether it succeeded or not), so it errs late.
   */
  leaseEnds?: number;
}

export interface IdempotencyOptions {
  /** How long a claim holds without a heartbeat (a stopped process frees its keys after this). */
  leaseMs: number;
  /** How often a running request renews its claim. */
  heartbeatMs: number;
  /**
   * First wait before a failed release (or a failed store of an answer) is tried again; it doubles
   * up to {@link MAX_RELEASE_RETRY_MS}.
   */
  releaseRetryMs: number;
}

export const DEFAULT_IDEMPOTENCY: IdempotencyOptions = {
  leaseMs: 30_000,
  heartbeatMs: 10_000,
  releaseRetryMs: 250,
};
/** The longest wait between two tries of a failed release or store. */
const MAX_RELEASE_RETRY_MS = 5_000;

/** The answer of a 2xx stored after the fact: status and the serialized body. */
interface Answer {
  status: number;
  response: string;
}
/** A claim whose request ended and whose last write failed: tried again in the background. */
interface Pending {
  claim: IdempotencyClaim;
  answer: Answer | null;
  timer: NodeJS.Timeout | null;
}

/** The claim's row while it holds no answer and still names the claim's token. */
function unfinished(claim: IdempotencyClaim) {
  return (eb: ExpressionBuilder<Database, 'idempotency_keys'>) =>
    eb.and([
      eb('user_id', '=', claim.userId),
      eb('key', '=', claim.key),
      eb('claim_token', '=', claim.token),
      eb('status', 'is', null),
    ]);
}

/**
 * Stores the answer of an idempotent create **inside the create's transaction**, so the answer and
 * what it created commit together: if the commit happens and the answer is lost on the way (the
 * database link drops at COMMIT, the client goes away), a retry with the same key replays it.
 * Only the request holding the claim may record (its token); if the claim was taken over, this
 * throws `idempotency_in_progress` and the transaction, with what it created, rolls back. Without a
 * claim (no key, anonymous caller) it does nothing.
 */
export async function recordIdempotentAnswer(
  trx: Kysely<Database>,
  request: FastifyRequest,
  status: number,
  body: unknown,
): Promise<void> {
  const claim = request.idempotencyClaim;
  if (!claim) return;
  const stored = await trx
    .updateTable('idempotency_keys')
    .set({ status, response: JSON.stringify(body), lease_until: null })
    .where(unfinished(claim))
    .returning('key')
    .executeTakeFirst();
  if (!stored) throw new AppError('idempotency_in_progress');
  claim.recorded = true;
}

/**
 * The usual create: `create` writes and returns the new id, `read` reads the answer back, both in
 * one transaction attributed to `actorId`, which also records the answer for the request's
 * Idempotency-Key ({@link recordIdempotentAnswer}). Returns the answer.
 */
export async function createRecorded<T>(
  db: Kysely<Database>,
  actorId: string,
  request: FastifyRequest,
  create: (trx: Transaction<Database>) => Promise<string>,
  read: (trx: Transaction<Database>, id: string) => Promise<T | null | undefined>,
): Promise<T> {
  return withActor(db, actorId, async (trx) => {
    const answer = await read(trx, await create(trx));
    if (answer === null || answer === undefined) throw new Error('a created row cannot be read back');
    await recordIdempotentAnswer(trx, request, 201, answer);
    return answer;
  });
}

/** When the lease of a claim row that has not finished ends. (Pre-lease rows: after a minute.) */
const leaseEnd = sql<Date>`coalesce(lease_until, created_at + interval '60 seconds')`;
/** A claim row that has not finished: does its lease still hold? */
const leaseHolds = sql<boolean>`${leaseEnd} >= now()`;
/** Whole seconds until the lease ends, at least 1: the `Retry-After` of `idempotency_in_progress`. */
const leaseSecondsLeft = sql<number>`greatest(1, ceil(extract(epoch from ${leaseEnd} - now())))::int`;

/** Visible ASCII, as the header is opaque to us; a UUID is what clients usually send. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** Sorted keys at every level, so `{a,b}` and `{b,a}` hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * `Idempotency-Key` for POSTs that create things (routes with `config.idempotent`), per signed-in
 * user (draft-ietf-httpapi-idempotency-key-header):
 * - first request with a key: claimed (a lease renewed by a heartbeat while the request runs),
 *   run, and its 2xx response stored (status and body) — by the handler inside the create's own
 *   transaction ({@link recordIdempotentAnswer}), else after it;
 * - same key, same method, route, parameters and body: the stored response is replayed with the
 *   same status and an `Idempotent-Replayed: true` header, and nothing is created again;
 * - same key with another request: 422 `idempotency_key_reused`;
 * - same key while the first request still runs: 409 `idempotency_in_progress` with `Retry-After`
 *   (the seconds until its lease ends), however long it runs; a claim whose lease ran out (the
 *   process stopped) is taken over by the retry.
 * Failed requests (4xx, 5xx) release the key, so the client may fix the request and retry with it.
 * A release that fails (the database is down at that moment) is tried again in the background
 * until it succeeds or the lease runs out; meanwhile this process knows the claim's request has
 * ended, so a retry it receives takes the key over at once (guarded by the old token: no other
 * process ever does, as it cannot tell an ended request from a running one).
 * A 2xx answer stored after the fact whose store fails is still sent (what it created committed):
 * the store is tried again in the background until it succeeds, the claim was taken over or the
 * app closes, the lease notwithstanding; meanwhile a retry is told 409 `idempotency_in_progress`
 * (this process never runs it again, even once the lease has run out). Only another process, and
 * only once the lease has run out with the database still refusing this one's writes, could run
 * it a second time; the routes that store after the fact are idempotent by their own ids too.
 * Anonymous requests ignore the header (their keys would be shared by everyone). Keys expire
 * after 24 hours.
 */
export const idempotencyPlugin = fp(
  async (app: FastifyInstance, opts: Partial<IdempotencyOptions>) => {
    const { leaseMs, heartbeatMs, releaseRetryMs } = { ...DEFAULT_IDEMPOTENCY, ...opts };
    const lease = sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval`;
    app.decorateRequest('idempotencyClaim', null);

    /**
     * Claims whose request ended and whose last write failed, by token: with `answer` null, a
     * failed request whose release failed (released in spirit); else a 2xx whose answer, stored
     * after the fact, could not be (answered in spirit).
     */
    const pending = new Map<string, Pending>();
    let closing = false;

    /** Renew the claim while the request runs, so a long issuance keeps its key. */
    function startHeartbeat(request: FastifyRequest, claim: IdempotencyClaim): void {
      claim.leaseEnds = Date.now() + leaseMs;
      claim.heartbeat = setInterval(() => {
        app.db
          .updateTable('idempotency_keys')
          .set({ lease_until: lease })
          .where(unfinished(claim))
          .execute()
          .catch((err: unknown) =>
            request.log.warn({ err: (err as Error).message }, 'idempotency claim not renewed'),
          )
          .finally(() => (claim.leaseEnds = Date.now() + leaseMs));
      }, heartbeatMs);
      claim.heartbeat.unref();
    }
    function stopHeartbeat(claim: IdempotencyClaim): void {
      if (claim.heartbeat) clearInterval(claim.heartbeat);
      claim.heartbeat = null;
    }

    /**
     * The claim's last write: with an answer, store it (a route that did not record it in its
     * transaction; once taken over, the claim stores nothing); without one, free the key of a
     * failed request (unless its answer was recorded: then it is replayed).
     */
    async function finish({ claim, answer }: Omit<Pending, 'timer'>): Promise<void> {
      if (answer) {
        await app.db
          .updateTable('idempotency_keys')
          .set({ ...answer, lease_until: null })
          .where(unfinished(claim))
          .execute();
      } else {
        await app.db.deleteFrom('idempotency_keys').where(unfinished(claim)).execute();
      }
    }
    const failedFinish = (answer: Answer | null) =>
      answer ? 'idempotency answer not stored' : 'idempotency key not released';

    /**
     * Try a failed last write again after `wait` ms, doubling the wait up to MAX_RELEASE_RETRY_MS;
     * stop once it succeeds or when the app closes. A release also stops when the lease ends (at
     * the latest then; any retry may take the key over anyway); a store does not: until it is
     * stored, the answer exists only here.
     */
    function retryFinish(claim: IdempotencyClaim, answer: Answer | null, wait: number): void {
      const left = answer ? wait : (claim.leaseEnds ?? 0) - Date.now();
      if (closing || left <= 0) {
        pending.delete(claim.token);
        return;
      }
      const entry: Pending = { claim, answer, timer: null };
      pending.set(claim.token, entry);
      entry.timer = setTimeout(
        () => {
          entry.timer = null;
          finish(entry).then(
            () => {
              if (pending.get(claim.token) === entry) pending.delete(claim.token);
            },
            (err: unknown) => {
              app.log.warn({ err: (err as Error).message, key: claim.key }, failedFinish(answer));
              // Unless a retry took the claim over meanwhile, or the app closed.
              if (pending.get(claim.token) === entry) {
                retryFinish(claim, answer, Math.min(wait * 2, MAX_RELEASE_RETRY_MS));
              }
            },
          );
        },
        Math.min(wait, left),
      );
      entry.timer.unref();
    }

    /** A retry took the claim over (or the app closes): no more tries for the old one. */
    function forget(token: string): void {
      const entry = pending.get(token);
      if (entry?.timer) clearTimeout(entry.timer);
      pending.delete(token);
    }

    async function claimKey(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
      const header = request.headers['idempotency-key'];
      const user = request.user;
      if (header === undefined || !user) return;
      const key = Array.isArray(header) ? header[0] : header;
      if (key === undefined || !KEY.test(key)) {
        throw new AppError(
          'bad_request',
          'Idempotency-Key must be 1 to 255 visible ASCII characters, for example a fresh UUID.',
        );
      }
      const methodRoute = `${request.method} ${request.routeOptions.url ?? request.url}`;
      const requestHash = createHash('sha256')
        .update(canonical({ params: request.params, query: request.query, body: request.body }))
        .digest('hex');
      const token = randomUUID();
      const claim = (): void => {
        const c: IdempotencyClaim = { userId: user.id, key, token, recorded: false, heartbeat: null };
        request.idempotencyClaim = c;
        startHeartbeat(request, c);
      };
      /** Take over the unfinished claim that `guard` allows, as this request (new token and lease). */
      const takeOver = async (guard: Expression<SqlBool>): Promise<boolean> => {
        const taken = await app.db
          .updateTable('idempotency_keys')
          .set({
            claim_token: token,
            lease_until: lease,
            method_route: methodRoute,
            request_hash: requestHash,
          })
          .where('user_id', '=', user.id)
          .where('key', '=', key)
          .where('status', 'is', null)
          .where(guard)
          .returning('key')
          .executeTakeFirst();
        return taken !== undefined;
      };

      await app.db
        .deleteFrom('idempotency_keys')
        .where('created_at', '<', sql<Date>`now() - interval '24 hours'`)
        .execute();
      const claimed = await app.db
        .insertInto('idempotency_keys')
        .values({
          user_id: user.id,
          key,
          method_route: methodRoute,
          request_hash: requestHash,
          claim_token: token,
          lease_until: lease,
        })
        .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (claimed) return claim();

      const row = await app.db
        .selectFrom('idempotency_keys')
        .select([
          'method_route',
          'request_hash',
          'status',
          'response',
          'claim_token',
          leaseHolds.as('held'),
          leaseSecondsLeft.as('secondsLeft'),
        ])
        .where('user_id', '=', user.id)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) throw new AppError('idempotency_in_progress');
      const old = row.claim_token;
      const ended = old === null ? undefined : pending.get(old);
      if (row.status === null && ended && !ended.answer) {
        // Its request failed here and only its release is pending: the key is free, for this
        // request whatever its body (as if the release had succeeded).
        const taken = await takeOver(sql<boolean>`claim_token = ${ended.claim.token}`);
        forget(ended.claim.token);
        if (!taken) throw new AppError('idempotency_in_progress');
        return claim();
      }
      if (row.method_route !== methodRoute || row.request_hash !== requestHash) {
        throw new AppError(
          'idempotency_key_reused',
          `The Idempotency-Key "${key}" was first used with another request (${row.method_route} with another body or parameters). Send a new key for a new request.`,
        );
      }
      if (row.status === null) {
        // Still running, or ended here with its answer not stored yet: never run it again.
        if (row.held || ended) {
          reply.header('retry-after', String(row.secondsLeft));
          throw new AppError('idempotency_in_progress');
        }
        // The first request's lease ran out (its process stopped): this retry takes the claim over.
        // Its old token can no longer record an answer nor release the key.
        if (!(await takeOver(sql<boolean>`not ${leaseHolds}`))) throw new AppError('idempotency_in_progress');
        return claim();
      }
      reply.header('idempotent-replayed', 'true');
      return reply.code(row.status).send(row.response);
    }

    async function settle(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
      const claim = request.idempotencyClaim;
      if (!claim) return payload;
      request.idempotencyClaim = null;
      stopHeartbeat(claim);
      const ok = reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string';
      if (ok && claim.recorded) return payload;
      // A route that does not record its answer in its transaction: stored after the fact. Failed:
      // free the key for a corrected retry, unless the create committed its answer before the
      // failure (then `status` is set and the retry replays it). If the database fails this write,
      // the client still gets the request's own answer (a 2xx: what it created has committed) and
      // the write is tried again.
      const answer = ok ? { status: reply.statusCode, response: payload } : null;
      try {
        await finish({ claim, answer });
      } catch (err) {
        request.log.warn({ err: (err as Error).message }, `${failedFinish(answer)}; will retry`);
        retryFinish(claim, answer, releaseRetryMs);
      }
      return payload;
    }

    // A request that ends without onSend (the client went away first) must not keep beating.
    async function stop(request: FastifyRequest): Promise<void> {
      if (request.idempotencyClaim) stopHeartbeat(request.idempotencyClaim);
    }

    // Requests have ended by now (onClose) and the database closes after this hook (registered
    // before it): pending releases and stores get one last try, then are dropped.
    app.addHook('onClose', async () => {
      closing = true;
      const last = [...pending.values()];
      for (const { claim } of last) forget(claim.token);
      const results = await Promise.allSettled(last.map(finish));
      const failed = results.filter((r) => r.status === 'rejected').length;
      if (failed > 0) app.log.warn({ failed }, 'idempotency keys left to their leases at close');
    });

    // Only the routes with `config.idempotent` carry these hooks: as app-level hooks they ran, and
    // returned at once, on every request (the public verification included). The routes are
    // registered after this plugin (app.ts), so it sees each of them here. As route-level hooks they
    // run after the app-level ones of their kind: the claim after auth has set `request.user`, and
    // the settling onSend after security's and verify-hot's, which only set headers or note that
    // something changed and leave status and payload as they are.
    app.addHook('onRoute', (route) => {
      if (!route.config?.idempotent) return;
      addRouteHook(route, 'preHandler', claimKey);
      addRouteHook(route, 'onSend', settle);
      addRouteHook(route, 'onResponse', stop);
      addRouteHook(route, 'onRequestAbort', stop);
    });
  },
  { name: 'idempotency', dependencies: ['db', 'auth'] },
);
