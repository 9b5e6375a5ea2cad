import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SNAPSHOT_MAX_AGE_DAYS, SNAPSHOT_TYP, normaliseOrigin, snapshotSigningInput } from '@ocop/domain';
import type { Config } from '../../config.ts';
import { printedOrigins } from '../verify/queries.ts';
import { buildSnapshot } from './queries.ts';

/** A snapshot is rebuilt at most this often; clients may cache it as long. */
export const SNAPSHOT_CACHE_SECONDS = 60;

/**
 * `GET /api/v1/registry/snapshot`: the signed registry snapshot for offline verification — an
 * ES256 compact JWS (`typ: ocop-snapshot+jwt`) under the current code-signing key, dated by `iat`,
 * holding keys with their status and compromise times, each product's current certificate and the
 * recalled batches. The pure verifier (packages/domain) takes it as its registry and answers
 * `status_unknown` once it is older than 7 days. Public, cacheable, readable cross-origin.
 */
const snapshot: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, opts) => {
  const issuer = normaliseOrigin(opts.config.publicBaseUrl);
  if (issuer === null) throw new Error('PUBLIC_BASE_URL is not an http(s) origin');
  let cached: { at: number; kid: string; jws: string } | null = null;

  app.get(
    '/api/v1/registry/snapshot',
    {
      config: { access: 'public', helmet: { crossOriginResourcePolicy: { policy: 'cross-origin' } } },
      schema: {
        tags: ['verify'],
        operationId: 'getRegistrySnapshot',
        summary: 'Signed registry snapshot for offline verification (compact JWS, application/jwt)',
        description:
          `An ES256 compact JWS with header {"alg":"ES256","kid":…,"typ":"${SNAPSHOT_TYP}"}; its payload lists keys ` +
          `(with status and compromise time), each product's current certificate and recalled batches. Offline ` +
          `verifiers treat it as stale after ${SNAPSHOT_MAX_AGE_DAYS} days. Verify it with the JWKS.`,
        produces: ['application/jwt'],
        response: { 200: Type.String({ description: 'The compact JWS' }) },
      },
    },
    async (_request, reply) => {
      const signer = await app.keys.signer();
      if (!cached || cached.kid !== signer.kid || Date.now() - cached.at > SNAPSHOT_CACHE_SECONDS * 1000) {
        const [keys, printed] = await Promise.all([app.keys.all({ refresh: true }), printedOrigins(app.db)]);
        const payload = await buildSnapshot(
          app.db,
          keys,
          issuer,
          [...new Set([issuer, ...printed])],
          new Date(),
        );
        const input = snapshotSigningInput(signer.kid, payload);
        cached = { at: Date.now(), kid: signer.kid, jws: `${input}.${signer.sign(input)}` };
      }
      return reply
        .type('application/jwt')
        .header('cache-control', `public, max-age=${SNAPSHOT_CACHE_SECONDS}`)
        .header('access-control-allow-origin', '*')
        .send(cached.jws);
    },
  );
};

export default snapshot;
