import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { toJwk } from '../../plugins/keys.ts';

/** A public verification key (RFC 7517): public members only, never `d`. */
export const Jwk = Type.Object(
  {
    kty: Type.Literal('EC'),
    crv: Type.Literal('P-256'),
    x: Type.String(),
    y: Type.String(),
    kid: Type.String({
      description: 'RFC 7638 SHA-256 thumbprint; codes carry its first 8 characters as `k`',
    }),
    alg: Type.Literal('ES256'),
    use: Type.Literal('sig'),
  },
  { $id: 'Jwk', additionalProperties: false },
);

export const Jwks = Type.Object(
  { keys: Type.Array(Jwk) },
  { $id: 'Jwks', additionalProperties: false, description: 'RFC 7517 JWK Set' },
);

/** How long clients and caches may keep the JWKS (a rotated key appears within this). */
export const JWKS_MAX_AGE_SECONDS = 300;

/**
 * `GET /.well-known/jwks.json`: every key that verifies codes — the active one and the retired ones
 * (printed labels live for years). Revoked keys are left out, as SMART Health Cards do for a
 * compromised key: a JOSE library given this set verifies nothing they signed. Their public parts
 * and compromise times are in `GET /api/v1/keys` and in the registry snapshot, for the verifiers
 * that honour codes signed before the compromise. Cacheable, with an ETag; readable cross-origin.
 */
const jwks: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/.well-known/jwks.json',
    {
      config: {
        access: 'public',
        helmet: { crossOriginResourcePolicy: { policy: 'cross-origin' } },
      },
      schema: {
        tags: ['keys'],
        operationId: 'getJwks',
        summary: 'Public keys that verify codes (JWKS)',
        description: 'Answers 304 without a body when `If-None-Match` matches the ETag.',
        response: { 200: Jwks, 304: Type.Null({ description: 'Not modified' }) },
      },
    },
    async (request, reply) => {
      const keys = (await app.keys.all()).filter((k) => k.status !== 'revoked').map(toJwk);
      const body = { keys };
      const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
      reply
        .header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
        .header('etag', etag)
        .header('access-control-allow-origin', '*')
        .header('vary', 'Accept-Encoding');
      const inm = request.headers['if-none-match'];
      if (inm !== undefined && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
        return reply.code(304).send(null);
      }
      return body;
    },
  );
};

export default jwks;
