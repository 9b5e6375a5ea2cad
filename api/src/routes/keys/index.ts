import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { currentUser } from '../../plugins/auth.ts';
import { problems } from '../common-schemas.ts';
import { named } from '../codes/schemas.ts';
import { KidParams, RevokeBody, RevokeResult, RotateResult, SigningKeyList } from './schemas.ts';

/**
 * Signing keys: the public list with statuses (revoked ones too, with their compromise time), and
 * the office's rotation and revocation (admin). The same operations exist on the command line:
 * `npm run keys -- rotate|list|revoke`.
 */
const keys: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/keys',
    {
      config: { access: 'public', helmet: { crossOriginResourcePolicy: { policy: 'cross-origin' } } },
      schema: {
        tags: ['keys'],
        operationId: 'listSigningKeys',
        summary: 'Every code-signing key with its status (active, retired, revoked with compromise time)',
        response: { 200: named(SigningKeyList) },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=60').header('access-control-allow-origin', '*');
      return { items: await app.keys.all() };
    },
  );

  app.post(
    '/api/v1/keys/rotate',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['keys'],
        operationId: 'rotateSigningKey',
        summary: 'Make a new active signing key; the current one is retired (it still verifies)',
        security: [{ bearerAuth: [] }],
        response: { 201: named(RotateResult), ...problems(401, 403) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const result = await app.keys.rotate(user.id);
      request.log.info(
        { kid: result.active.kid, retired: result.retired?.kid ?? null },
        'signing key rotated',
      );
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/api/v1/keys/:kid/revoke',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['keys'],
        operationId: 'revokeSigningKey',
        summary: 'Revoke a compromised signing key: codes it signed after `compromisedAt` become forged',
        security: [{ bearerAuth: [] }],
        params: KidParams,
        body: RevokeBody,
        response: { 200: named(RevokeResult), ...problems(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const { compromisedAt, reason } = request.body;
      const result = await app.keys.revoke(
        request.params.kid,
        { compromisedAt: compromisedAt === undefined ? undefined : new Date(compromisedAt), reason },
        user.id,
      );
      request.log.warn(
        { kid: result.revoked.kid, compromisedAt: result.revoked.compromisedAt },
        'signing key revoked',
      );
      return result;
    },
  );
};

export default keys;
