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
  /** First wait before a failed release is tried again; it doubles up to {@link MAX_RELEASE_RETRY_MS}. */
  releaseRetryMs: number;
}

export const DEFAULT_IDEMPOTENCY: IdempotencyOptions = {
  leaseMs: 30_000,
  heartbeatMs: 10_000,
  releaseRetryMs: 250,
};
/** The longest wait between two tries of a failed release. */
const MAX_RELEASE_RETRY_MS = 5_000;

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
 * Anonymous requests ignore the header (their keys would be shared by everyone). Keys expire
 * after 24 hours.
 */
export const idempotencyPlugin = fp(
  async (app: FastifyInstance, opts: Partial<IdempotencyOptions>) => {
    const { leaseMs, heartbeatMs, releaseRetryMs } = { ...DEFAULT_IDEMPOTENCY, ...opts };
    const lease = sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval`;
    app.decorateRequest('idempotencyClaim', null);

    /** Claims whose request failed and whose release failed too, by token: released in spirit. */
    const unreleased = new Map<string, { claim: IdempotencyClaim; timer: NodeJS.Timeout | null }>();
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

    /** Free the key of a failed request (unless its answer was recorded: then it is replayed). */
    async function release(claim: IdempotencyClaim): Promise<void> {
      await app.db.deleteFrom('idempotency_keys').where(unfinished(claim)).execute();
    }

    /**
     * Try a failed release again after `wait` ms (at the latest when the lease ends), doubling the
     * wait up to MAX_RELEASE_RETRY_MS; stop once it succeeds, once the lease has run out anyway
     * (any retry may take the key over then), or when the app closes.
     */
    function retryRelease(claim: IdempotencyClaim, wait: number): void {
      const left = (claim.leaseEnds ?? 0) - Date.now();
      if (closing || left <= 0) {
        unreleased.delete(claim.token);
        return;
      }
      const entry: { claim: IdempotencyClaim; timer: NodeJS.Timeout | null } = { claim, timer: null };
      unreleased.set(claim.token, entry);
      entry.timer = setTimeout(
        () => {
          entry.timer = null;
          release(claim).then(
            () => {
              if (unreleased.get(claim.token) === entry) unreleased.delete(claim.token);
            },
            (err: unknown) => {
              app.log.warn({ err: (err as Error).message, key: claim.key }, 'idempotency key not released');
              // Unless a retry took the claim over meanwhile, or the app closed.
              if (unreleased.get(claim.token) === entry) {
                retryRelease(claim, Math.min(wait * 2, MAX_RELEASE_RETRY_MS));
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
      const entry = unreleased.get(token);
      if (entry?.timer) clearTimeout(entry.timer);
      unreleased.delete(token);
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
      if (row.status === null && old !== null && unreleased.has(old)) {
        // Its request failed here and only its release is pending: the key is free, for this
        // request whatever its body (as if the release had succeeded).
        const taken = await takeOver(sql<boolean>`claim_token = ${old}`);
        forget(old);
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
        if (row.held) {
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
      if (ok) {
        // A route that does not record its answer in its transaction: stored after the fact.
        await app.db
          .updateTable('idempotency_keys')
          .set({ status: reply.statusCode, response: payload, lease_until: null })
          .where(unfinished(claim))
          .execute();
        return payload;
      }
      // Failed: free the key for a corrected retry, unless the create committed its answer before
      // the failure (then `status` is set and the retry replays it). If the database fails this
      // too, the client still gets the request's own answer and the release is tried again.
      try {
        await release(claim);
      } catch (err) {
        request.log.warn({ err: (err as Error).message }, 'idempotency key not released; will retry');
        retryRelease(claim, releaseRetryMs);
      }
      return payload;
    }

    // A request that ends without onSend (the client went away first) must not keep beating.
    async function stop(request: FastifyRequest): Promise<void> {
      if (request.idempotencyClaim) stopHeartbeat(request.idempotencyClaim);
    }

    // Requests have ended by now (onClose) and the database closes after this hook (registered
    // before it): pending releases get one last try, then are dropped.
    app.addHook('onClose', async () => {
      closing = true;
      const pending = [...unreleased.values()].map((e) => e.claim);
      for (const claim of pending) forget(claim.token);
      const results = await Promise.allSettled(pending.map(release));
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
