import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'kysely';
import { AppError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route creates something and honours the `Idempotency-Key` header. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotencyClaim: { userId: string; key: string } | null;
  }
}

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
 * - first request with a key: claimed, run, and its 2xx response stored (status and body);
 * - same key, same method, route, parameters and body: the stored response is replayed with the
 *   same status and an `Idempotent-Replayed: true` header, and nothing is created again;
 * - same key with another request: 422 `idempotency_key_reused`;
 * - same key while the first request still runs: 409 `idempotency_in_progress`.
 * Failed requests (4xx, 5xx) release the key, so the client may fix the request and retry with it.
 * Anonymous requests ignore the header (their keys would be shared by everyone). Keys expire
 * after 24 hours.
 */
export const idempotencyPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('idempotencyClaim', null);

    app.addHook('preHandler', async (request, reply) => {
      if (!request.routeOptions.config?.idempotent) return;
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

      await app.db
        .deleteFrom('idempotency_keys')
        .where('created_at', '<', sql<Date>`now() - interval '24 hours'`)
        .execute();
      const claimed = await app.db
        .insertInto('idempotency_keys')
        .values({ user_id: user.id, key, method_route: methodRoute, request_hash: requestHash })
        .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (claimed) {
        request.idempotencyClaim = { userId: user.id, key };
        return;
      }

      const row = await app.db
        .selectFrom('idempotency_keys')
        .select([
          'method_route',
          'request_hash',
          'status',
          'response',
          sql<boolean>`created_at < now() - interval '60 seconds'`.as('stale'),
        ])
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
        if (!row.stale) throw new AppError('idempotency_in_progress');
        // The first request never finished (the process stopped): this retry takes the claim over.
        const { rows: taken } = await sql<{ key: string }>`
          update idempotency_keys set created_at = now()
          where user_id = ${user.id} and key = ${key} and status is null
            and created_at < now() - interval '60 seconds'
          returning key`.execute(app.db);
        if (taken.length === 0) throw new AppError('idempotency_in_progress');
        request.idempotencyClaim = { userId: user.id, key };
        return;
      }
      reply.header('idempotent-replayed', 'true');
      return reply.code(row.status).send(row.response);
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const claim = request.idempotencyClaim;
      if (!claim) return payload;
      request.idempotencyClaim = null;
      const ok = reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string';
      const where = app.db
        .updateTable('idempotency_keys')
        .where('user_id', '=', claim.userId)
        .where('key', '=', claim.key);
      if (ok) {
        await where.set({ status: reply.statusCode, response: payload }).execute();
      } else {
        await app.db
          .deleteFrom('idempotency_keys')
          .where('user_id', '=', claim.userId)
          .where('key', '=', claim.key)
          .where('status', 'is', null)
          .execute();
      }
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['db', 'auth'] },
);
