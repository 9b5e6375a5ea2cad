import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { checkZoneCode, compareDates } from '@ocop/domain';
import { withActor, type Database } from '@ocop/db';
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
import { createZone, getZone, listZones, updateZone } from './queries.ts';
import { Zone, ZoneCreate, ZonePage, ZoneQuery, ZoneUpdate } from './schemas.ts';

/** A known producer, and for an officer one inside the area (by the zone's unit, else the producer's). */
async function checkZoneInput(
  db: Kysely<Database>,
  user: AuthUser,
  input: { producerId: string | null; adminUnitId: string | null },
): Promise<void> {
  let producerUnit: string | null = null;
  if (input.producerId !== null) {
    const p = await db
      .selectFrom('producers')
      .select('admin_unit_id')
      .where('id', '=', input.producerId)
      .executeTakeFirst();
    if (!p) throw registryRule('producer.unknown', `There is no producer ${input.producerId}.`);
    producerUnit = p.admin_unit_id;
  }
  if (input.adminUnitId !== null && !(await unitExists(db, input.adminUnitId))) {
    throw registryRule(
      'admin_unit.unknown',
      `There is no administrative unit "${input.adminUnitId}": pick one from GET /api/v1/admin-units.`,
    );
  }
  if (user.role === 'officer') {
    const unit = input.adminUnitId ?? producerUnit;
    if (unit === null || user.adminUnitId === null || !(await isUnitWithin(db, unit, user.adminUnitId))) {
      throw new AppError(
        'forbidden',
        `As an officer you register zones inside your own administrative area (${user.adminUnitId ?? 'none'}): set adminUnitId to a unit inside it.`,
      );
    }
  }
}

function checkDates(validFrom: string, validTo: string | null | undefined): void {
  if (validTo != null && compareDates(validTo, validFrom) <= 0) {
    throw registryRule('zone.validity', `validTo (${validTo}) must be after validFrom (${validFrom}).`);
  }
}

const zones: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/zones',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['zones'],
        operationId: 'listZones',
        summary: 'Raw-material zones you may see (a producer also sees shared zones)',
        security: bearer,
        querystring: ZoneQuery,
        response: { 200: named(ZonePage), ...errors(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listZones(app.db, scopeOf(currentUser(request)), q);
      return pageOf(items, total, q);
    },
  );

  app.get(
    '/api/v1/zones/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['zones'],
        operationId: 'getZone',
        summary: 'One raw-material zone',
        security: bearer,
        params: IdParams,
        response: { 200: named(Zone), ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const z = await getZone(app.db, scopeOf(currentUser(request)), request.params.id);
      if (!z) throw new AppError('not_found', `No zone ${request.params.id} that you may see.`);
      return z;
    },
  );

  app.post(
    '/api/v1/zones',
    {
      config: { access: ['admin', 'officer', 'producer'], idempotent: true },
      schema: {
        tags: ['zones'],
        operationId: 'createZone',
        summary: 'Register a raw-material zone; its code is checked against its scheme',
        security: bearer,
        headers: IdempotencyHeaders,
        body: ZoneCreate,
        response: { 201: named(Zone), ...errors(400, 401, 403, 409, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const body = request.body;
      let producerId = body.producerId ?? null;
      if (user.role === 'producer') {
        if (producerId !== null && producerId !== user.producerId) {
          throw new AppError('forbidden', 'A producer registers zones of its own: leave producerId out.');
        }
        producerId = user.producerId;
      }
      const check = checkZoneCode(body.scheme, body.code);
      if (!check.ok) throw registryRule('zone.code', check.messageEn, check.message);
      checkDates(body.validFrom, body.validTo);
      await checkZoneInput(app.db, user, { producerId, adminUnitId: body.adminUnitId ?? null });
      const zone = await createRecorded(
        app.db,
        user.id,
        request,
        (trx) => createZone(trx, { ...body, producerId }),
        (trx, id) => getZone(trx, { kind: 'all' }, id),
      ).catch((err: unknown) => {
        if (isUniqueViolation(err, 'raw_material_zones_code_key')) {
          throw new AppError('conflict', `A ${body.scheme} zone with code ${body.code} already exists.`);
        }
        throw err;
      });
      return reply.code(201).send(zone);
    },
  );

  app.patch(
    '/api/v1/zones/:id',
    {
      config: { access: ['admin', 'officer', 'producer'] },
      schema: {
        tags: ['zones'],
        operationId: 'updateZone',
        summary: 'Change a zone (not its scheme or code); suspend or cancel it with status',
        security: bearer,
        params: IdParams,
        body: ZoneUpdate,
        response: { 200: named(Zone), ...errors(400, 401, 403, 404, 415, 422) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const { id } = request.params;
      const body = request.body;
      const zone = await getZone(app.db, scopeOf(user), id);
      if (!zone) throw new AppError('not_found', `No zone ${id} that you may see.`);
      if (user.role === 'producer') {
        if (zone.producerId !== user.producerId) {
          throw new AppError('forbidden', 'This zone is shared, not your own: the OCOP office manages it.');
        }
        if (body.producerId !== undefined && body.producerId !== user.producerId) {
          throw new AppError('forbidden', 'A producer cannot hand a zone to another producer.');
        }
      }
      checkDates(zone.validFrom, body.validTo);
      if (body.producerId !== undefined || body.adminUnitId !== undefined) {
        await checkZoneInput(app.db, user, {
          producerId: body.producerId !== undefined ? body.producerId : zone.producerId,
          adminUnitId: body.adminUnitId !== undefined ? body.adminUnitId : zone.adminUnitId,
        });
      }
      await withActor(app.db, user.id, (trx) => updateZone(trx, id, body));
      return (await getZone(app.db, { kind: 'all' }, id))!;
    },
  );
};

export default zones;
