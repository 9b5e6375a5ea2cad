import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { withActor } from '@ocop/db';
import { hashPassword } from '../../auth/passwords.ts';
import { currentUser } from '../../plugins/auth.ts';
import { createRecorded } from '../../plugins/idempotency.ts';
import { AppError } from '../../errors.ts';
import {
  IdParams,
  IdempotencyHeaders,
  bearer,
  errors,
  isUniqueViolation,
  registryRule,
  named,
  pageOf,
} from '../route-helpers.ts';
import { unitExists } from '../scope.ts';
import { getUser, insertUser, listUsers, setDisabled } from './queries.ts';
import { User, UserCreate, UserPage, UserQuery } from './schemas.ts';

/** User accounts, for admins only. Accounts are disabled, never deleted (the audit log names them). */
const users: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/users',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['users'],
        operationId: 'listUsers',
        summary: 'User accounts',
        security: bearer,
        querystring: UserQuery,
        response: { 200: named(UserPage), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listUsers(app.db, q);
      return pageOf(items, total, q);
    },
  );

  app.get(
    '/api/v1/users/:id',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['users'],
        operationId: 'getUser',
        summary: 'One user account',
        security: bearer,
        params: IdParams,
        response: { 200: named(User), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const u = await getUser(app.db, request.params.id);
      if (!u) throw new AppError('not_found', `No user ${request.params.id}.`);
      return u;
    },
  );

  app.post(
    '/api/v1/users',
    {
      config: { access: ['admin'], idempotent: true },
      schema: {
        tags: ['users'],
        operationId: 'createUser',
        summary:
          'Create an account: a producer is bound to its producer, an officer to an administrative area',
        security: bearer,
        headers: IdempotencyHeaders,
        body: UserCreate,
        response: { 201: named(User), ...errors(400, 401, 403, 409, 415, 422) },
      },
    },
    async (request, reply) => {
      const actor = currentUser(request);
      const body = request.body;
      const email = body.email.trim().toLowerCase();
      const producerId = body.producerId ?? null;
      const adminUnitId = body.adminUnitId ?? null;
      if ((body.role === 'producer') !== (producerId !== null)) {
        throw registryRule(
          'user.producer_binding',
          body.role === 'producer'
            ? 'A producer account needs producerId: the producer it acts for.'
            : `Only a producer account has a producerId; leave it out for a ${body.role}.`,
        );
      }
      if ((body.role === 'officer') !== (adminUnitId !== null)) {
        throw registryRule(
          'user.officer_binding',
          body.role === 'officer'
            ? 'An officer account needs adminUnitId: the administrative area it manages.'
            : `Only an officer account has an adminUnitId; leave it out for a ${body.role}.`,
        );
      }
      if (producerId !== null) {
        const p = await app.db
          .selectFrom('producers')
          .select('id')
          .where('id', '=', producerId)
          .executeTakeFirst();
        if (!p) throw registryRule('producer.unknown', `There is no producer ${producerId}.`);
      }
      if (adminUnitId !== null && !(await unitExists(app.db, adminUnitId))) {
        throw registryRule('admin_unit.unknown', `There is no administrative unit "${adminUnitId}".`);
      }
      const passwordHash = await hashPassword(body.password);
      const created = await createRecorded(
        app.db,
        actor.id,
        request,
        (trx) =>
          insertUser(trx, {
            email,
            passwordHash,
            displayName: body.displayName.trim(),
            role: body.role,
            producerId,
            adminUnitId,
          }),
        (trx, id) => getUser(trx, id),
      ).catch((err: unknown) => {
        if (isUniqueViolation(err, 'users_email_key')) {
          throw new AppError('conflict', `A user with email ${email} already exists.`);
        }
        throw err;
      });
      return reply.code(201).send(created);
    },
  );

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/api/v1/users/:id/${action}`,
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['users'],
          operationId: `${action}User`,
          summary: disabled
            ? 'Disable an account: it loses access at once, tokens included'
            : 'Enable a disabled account again',
          security: bearer,
          params: IdParams,
          response: { 200: named(User), ...errors(400, 401, 403, 404, 422) },
        },
      },
      async (request) => {
        const actor = currentUser(request);
        const { id } = request.params;
        if (!(await getUser(app.db, id))) throw new AppError('not_found', `No user ${id}.`);
        if (disabled && id === actor.id) {
          throw registryRule('user.disable_self', 'You cannot disable your own account: ask another admin.');
        }
        await withActor(app.db, actor.id, (trx) => setDisabled(trx, id, disabled));
        return (await getUser(app.db, id))!;
      },
    );
  }
};

export default users;
