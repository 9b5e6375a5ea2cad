import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isValidTaxCode } from '@ocop/domain';
import { withActor, type Database } from '@ocop/db';
import type { Kysely } from 'kysely';
import { currentUser, type AuthUser } from '../../plugins/auth.ts';
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
import { isUnitWithin, scopeOf, unitExists } from '../scope.ts';
import { createProducer, getProducer, listProducers, updateProducer } from './queries.ts';
import { Producer, ProducerCreate, ProducerPage, ProducerQuery, ProducerUpdate } from './schemas.ts';

/** Checks shared by create and update: tax-code check digit, known unit, officer's own area. */
async function checkProducerInput(
  db: Kysely<Database>,
  user: AuthUser,
  input: { taxCode?: string | null; adminUnitId?: string | null },
): Promise<void> {
  if (input.taxCode != null && !isValidTaxCode(input.taxCode)) {
    throw registryRule(
      'producer.tax_code',
      `"${input.taxCode}" is not a valid Vietnamese tax code: 10 digits (or 10-3 for a branch) with a correct check digit. Leave it empty if the producer has none.`,
      `"${input.taxCode}" không phải mã số thuế hợp lệ (10 số, hoặc 10-3 cho chi nhánh, đúng số kiểm tra).`,
    );
  }
  if (input.adminUnitId != null && !(await unitExists(db, input.adminUnitId))) {
    throw registryRule(
      'admin_unit.unknown',
      `There is no administrative unit "${input.adminUnitId}": pick one from GET /api/v1/admin-units.`,
    );
  }
  if (user.role === 'officer' && input.adminUnitId !== undefined) {
    const inside =
      input.adminUnitId !== null && user.adminUnitId !== null
        ? await isUnitWithin(db, input.adminUnitId, user.adminUnitId)
        : false;
    if (!inside) {
      throw new AppError(
        'forbidden',
        `As an officer you register producers inside your own administrative area (${user.adminUnitId ?? 'none'}): set adminUnitId to a unit inside it.`,
      );
    }
  }
}

function duplicateTaxCode(err: unknown, taxCode: string | null | undefined): never {
  if (isUniqueViolation(err, 'producers_tax_code_key')) {
    throw new AppError('conflict', `A producer with tax code ${taxCode ?? ''} already exists.`);
  }
  throw err;
}

const producers: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/producers',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['producers'],
        operationId: 'listProducers',
        summary: 'Producers you may see: all (admin, inspector), your area (officer), your own (producer)',
        security: bearer,
        querystring: ProducerQuery,
        response: { 200: named(ProducerPage), ...errors(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listProducers(app.db, scopeOf(currentUser(request)), q);
      return pageOf(items, total, q);
    },
  );

  app.get(
    '/api/v1/producers/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['producers'],
        operationId: 'getProducer',
        summary: 'One producer',
        security: bearer,
        params: IdParams,
        response: { 200: named(Producer), ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const p = await getProducer(app.db, scopeOf(currentUser(request)), request.params.id);
      if (!p) throw new AppError('not_found', `No producer ${request.params.id} that you may see.`);
      return p;
    },
  );

  app.post(
    '/api/v1/producers',
    {
      config: { access: ['admin', 'officer'], idempotent: true },
      schema: {
        tags: ['producers'],
        operationId: 'createProducer',
        summary: 'Register a producer (chủ thể OCOP)',
        security: bearer,
        headers: IdempotencyHeaders,
        body: ProducerCreate,
        response: { 201: named(Producer), ...errors(400, 401, 403, 409, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const body = request.body;
      await checkProducerInput(app.db, user, {
        taxCode: body.taxCode,
        adminUnitId: body.adminUnitId ?? null,
      });
      const created = await createRecorded(
        app.db,
        user.id,
        request,
        (trx) => createProducer(trx, body),
        (trx, id) => getProducer(trx, { kind: 'all' }, id),
      ).catch((err: unknown) => duplicateTaxCode(err, body.taxCode));
      return reply.code(201).send(created);
    },
  );

  app.patch(
    '/api/v1/producers/:id',
    {
      config: { access: ['admin', 'officer', 'producer'] },
      schema: {
        tags: ['producers'],
        operationId: 'updateProducer',
        summary: 'Change a producer; a producer may change its own contact details only',
        security: bearer,
        params: IdParams,
        body: ProducerUpdate,
        response: { 200: named(Producer), ...errors(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const { id } = request.params;
      const body = request.body;
      const existing = await getProducer(app.db, scopeOf(user), id);
      if (!existing) throw new AppError('not_found', `No producer ${id} that you may see.`);
      if (user.role === 'producer') {
        const official = (['name', 'kind', 'taxCode', 'adminUnitId'] as const).filter(
          (k) => body[k] !== undefined,
        );
        if (official.length > 0) {
          throw new AppError(
            'forbidden',
            `A producer may change its address and contact details; ask the OCOP office to change ${official.join(', ')}.`,
          );
        }
      }
      await checkProducerInput(app.db, user, { taxCode: body.taxCode, adminUnitId: body.adminUnitId });
      await withActor(app.db, user.id, (trx) => updateProducer(trx, id, body)).catch((err: unknown) =>
        duplicateTaxCode(err, body.taxCode),
      );
      return (await getProducer(app.db, { kind: 'all' }, id))!;
    },
  );
};

export default producers;
