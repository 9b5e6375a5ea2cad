import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sql, type Kysely, type Transaction } from 'kysely';
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
}

export interface IdempotencyOptions {
  /** How long a claim holds without a heartbeat (a stopped process frees its keys after this). */
  leaseMs: number;
  /** How often a running request renews its claim. */
  heartbeatMs: number;
}

export const DEFAULT_IDEMPOTENCY: IdempotencyOptions = { leaseMs: 30_000, heartbeatMs: 10_000 };

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
    .where('user_id', '=', claim.userId)
    .where('key', '=', claim.key)
    .where('claim_token', '=', claim.token)
    .where('status', 'is', null)
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

/** A claim row that has not finished: does its lease still hold? (Pre-lease rows: a minute.) */
const leaseHolds = sql<boolean>`coalesce(lease_until, created_at + interval '60 seconds') >= now()`;

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
 * - same key while the first request still runs: 409 `idempotency_in_progress`, however long it
 *   runs; a claim whose lease ran out (the process stopped) is taken over by the retry.
 * Failed requests (4xx, 5xx) release the key, so the client may fix the request and retry with it.
 * Anonymous requests ignore the header (their keys would be shared by everyone). Keys expire
 * after 24 hours.
 */
export const idempotencyPlugin = fp(
  async (app: FastifyInstance, opts: Partial<IdempotencyOptions>) => {
    const { leaseMs, heartbeatMs } = { ...DEFAULT_IDEMPOTENCY, ...opts };
    const lease = sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval`;
    app.decorateRequest('idempotencyClaim', null);

    /** Renew the claim while the request runs, so a long issuance keeps its key. */
    function startHeartbeat(request: FastifyRequest, claim: IdempotencyClaim): void {
      claim.heartbeat = setInterval(() => {
        app.db
          .updateTable('idempotency_keys')
          .set({ lease_until: lease })
          .where('user_id', '=', claim.userId)
          .where('key', '=', claim.key)
          .where('claim_token', '=', claim.token)
          .where('status', 'is', null)
          .execute()
          .catch((err: unknown) =>
            request.log.warn({ err: (err as Error).message }, 'idempotency claim not renewed'),
          );
      }, heartbeatMs);
      claim.heartbeat.unref();
    }
    function stopHeartbeat(claim: IdempotencyClaim): void {
      if (claim.heartbeat) clearInterval(claim.heartbeat);
      claim.heartbeat = null;
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
        .select(['method_route', 'request_hash', 'status', 'response', leaseHolds.as('held')])
        .where('user_id', '=', user.id)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) throw new AppError('idempotency_in_progress');
      if (row.method_route !== methodRoute || row.request_hash !== requestHash) {
        throw new AppError(
          'idempotency_key_reused',
          `The Idempotency-Key "${key}" was first used with another request (${row.method_route} with another body or parameters). Send a new key for a new request.`,
        );
      }
      if (row.status === null) {
        if (row.held) throw new AppError('idempotency_in_progress');
        // The first request's lease ran out (its process stopped): this retry takes the claim over.
        // Its old token can no longer record an answer nor release the key.
        const taken = await app.db
          .updateTable('idempotency_keys')
          .set({ claim_token: token, lease_until: lease })
          .where('user_id', '=', user.id)
          .where('key', '=', key)
          .where('status', 'is', null)
          .where(sql<boolean>`not ${leaseHolds}`)
          .returning('key')
          .executeTakeFirst();
        if (!taken) throw new AppError('idempotency_in_progress');
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
      const mine = app.db
        .updateTable('idempotency_keys')
        .where('user_id', '=', claim.userId)
        .where('key', '=', claim.key)
        .where('claim_token', '=', claim.token)
        .where('status', 'is', null);
      if (ok) {
        // A route that does not record its answer in its transaction: stored after the fact.
        await mine.set({ status: reply.statusCode, response: payload, lease_until: null }).execute();
      } else {
        // Failed: free the key for a corrected retry, unless the create committed its answer
        // before the failure (then `status` is set and the retry replays it).
        await app.db
          .deleteFrom('idempotency_keys')
          .where('user_id', '=', claim.userId)
          .where('key', '=', claim.key)
          .where('claim_token', '=', claim.token)
          .where('status', 'is', null)
          .execute();
      }
      return payload;
    }

    // A request that ends without onSend (the client went away first) must not keep beating.
    async function stop(request: FastifyRequest): Promise<void> {
      if (request.idempotencyClaim) stopHeartbeat(request.idempotencyClaim);
    }

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
