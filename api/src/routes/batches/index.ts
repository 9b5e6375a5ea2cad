import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { compareDates, isWithin, todayInVietnam } from '@ocop/domain';
import { withActor } from '@ocop/db';
import { currentUser } from '../../plugins/auth.ts';
import { createRecorded, recordIdempotentAnswer } from '../../plugins/idempotency.ts';
import { AppError } from '../../errors.ts';
import {
  IdParams,
  IdempotencyHeaders,
  bearer,
  errors,
  isUniqueViolation,
  named,
  registryRule,
  pageOf,
} from '../route-helpers.ts';
import { scopeOf, unitExists } from '../scope.ts';
import { productInScope } from '../products/queries.ts';
import { zonesByIds } from '../zones/queries.ts';
import { appendEvent, batchInScope, createBatch, getBatch, listBatches, recallBatch } from './queries.ts';
import {
  Batch,
  BatchCreate,
  BatchEvent,
  BatchEventCreate,
  BatchPage,
  BatchQuery,
  RecallRequest,
} from './schemas.ts';

/** Clock skew tolerated for an event's time: a phone a few minutes fast is not an event in the future. */
const FUTURE_SKEW_MS = 5 * 60_000;

function checkEventTime(occurredAt: string): void {
  if (Date.parse(occurredAt) > Date.now() + FUTURE_SKEW_MS) {
    throw registryRule('event.future', `An event cannot happen in the future (occurredAt ${occurredAt}).`);
  }
}

const batches: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/batches',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['batches'],
        operationId: 'listBatches',
        summary: 'Batches you may see: your own (producer), your area (officer), all (admin, inspector)',
        security: bearer,
        querystring: BatchQuery,
        response: { 200: named(BatchPage), ...errors(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listBatches(app.db, scopeOf(currentUser(request)), q);
      return pageOf(items, total, q);
    },
  );

  app.get(
    '/api/v1/batches/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['batches'],
        operationId: 'getBatch',
        summary: 'A batch with the zones it drew from and its events in time order',
        security: bearer,
        params: IdParams,
        response: { 200: named(Batch), ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const batch = await getBatch(app.db, scopeOf(currentUser(request)), request.params.id);
      if (!batch) throw new AppError('not_found', `No batch ${request.params.id} that you may see.`);
      return batch;
    },
  );

  app.post(
    '/api/v1/batches',
    {
      config: { access: ['admin', 'producer'], idempotent: true },
      schema: {
        tags: ['batches'],
        operationId: 'createBatch',
        summary: 'Record a batch of your own product, the zones it drew from and its first events',
        security: bearer,
        headers: IdempotencyHeaders,
        body: BatchCreate,
        response: { 201: named(Batch), ...errors(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const scope = scopeOf(user);
      const body = request.body;
      const product = await productInScope(app.db, scope, body.productId);
      if (!product) throw new AppError('not_found', `No product ${body.productId} of yours.`);

      const today = todayInVietnam(new Date());
      if (compareDates(body.producedOn, today) > 0) {
        throw registryRule(
          'batch.produced_in_future',
          `producedOn (${body.producedOn}) is after today (${today}).`,
        );
      }
      if (body.bestBefore != null && compareDates(body.bestBefore, body.producedOn) < 0) {
        throw registryRule(
          'batch.best_before',
          `bestBefore (${body.bestBefore}) cannot be before producedOn (${body.producedOn}).`,
        );
      }
      // One step back (TT 02/2024/TT-BKHCN): each zone must be known, usable by this producer and
      // valid on the production day.
      const ids = body.zones.map((z) => z.zoneId);
      if (new Set(ids).size !== ids.length) {
        throw registryRule('batch.zone_repeated', 'Each zone may be listed once per batch.');
      }
      const zones = await zonesByIds(app.db, scope, ids);
      for (const zoneId of ids) {
        const zone = zones.find((z) => z.id === zoneId);
        if (!zone) throw registryRule('batch.zone_unknown', `There is no zone ${zoneId} that you may use.`);
        if (zone.producerId !== null && zone.producerId !== product.producerId) {
          throw registryRule('batch.zone_foreign', `Zone ${zone.code} belongs to another producer.`);
        }
        if (zone.status !== 'active' || !isWithin(body.producedOn, zone.validFrom, zone.validTo)) {
          throw registryRule(
            'batch.zone_not_valid',
            `Zone ${zone.code} is ${zone.status === 'active' ? 'not valid' : zone.status} on ${body.producedOn} (valid ${zone.validFrom} to ${zone.validTo ?? 'open'}).`,
          );
        }
      }
      for (const e of body.events ?? []) {
        checkEventTime(e.occurredAt);
        if (e.adminUnitId != null && !(await unitExists(app.db, e.adminUnitId))) {
          throw registryRule('admin_unit.unknown', `There is no administrative unit "${e.adminUnitId}".`);
        }
      }

      // The answer is read and recorded for Idempotency-Key in the create's own transaction.
      const batch = await createRecorded(
        app.db,
        user.id,
        request,
        (trx) => createBatch(trx, body, user.id),
        (trx, id) => getBatch(trx, { kind: 'all' }, id),
      ).catch((err: unknown) => {
        if (isUniqueViolation(err, 'batches_product_lot_key')) {
          throw new AppError('conflict', `A batch with lot ${body.lot} already exists for this product.`);
        }
        throw err;
      });
      return reply.code(201).send(batch);
    },
  );

  app.post(
    '/api/v1/batches/:id/events',
    {
      config: { access: ['admin', 'producer', 'inspector'], idempotent: true },
      schema: {
        tags: ['batches'],
        operationId: 'appendBatchEvent',
        summary: 'Append a value-chain event to a batch (an inspector records inspections)',
        security: bearer,
        headers: IdempotencyHeaders,
        params: IdParams,
        body: BatchEventCreate,
        response: { 201: named(BatchEvent), ...errors(400, 401, 403, 404, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const body = request.body;
      const batch = await batchInScope(app.db, scopeOf(user), request.params.id);
      if (!batch) throw new AppError('not_found', `No batch ${request.params.id} that you may see.`);
      if (user.role === 'inspector' && body.type !== 'inspection') {
        throw new AppError('forbidden', 'An inspector records events of type "inspection" only.');
      }
      checkEventTime(body.occurredAt);
      if (body.adminUnitId != null && !(await unitExists(app.db, body.adminUnitId))) {
        throw registryRule('admin_unit.unknown', `There is no administrative unit "${body.adminUnitId}".`);
      }
      const event = await withActor(app.db, user.id, async (trx) => {
        const appended = await appendEvent(trx, batch.id, body, user.id);
        await recordIdempotentAnswer(trx, request, 201, appended);
        return appended;
      });
      return reply.code(201).send(event);
    },
  );

  app.post(
    '/api/v1/batches/:id/recall',
    {
      config: { access: ['admin', 'officer', 'producer'] },
      schema: {
        tags: ['batches'],
        operationId: 'recallBatch',
        summary: 'Recall a batch with a reason: every code of the batch then verifies as recalled',
        security: bearer,
        params: IdParams,
        body: RecallRequest,
        response: { 200: named(Batch), ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const scope = scopeOf(user);
      const batch = await batchInScope(app.db, scope, request.params.id);
      if (!batch) throw new AppError('not_found', `No batch ${request.params.id} that you may see.`);
      if (batch.status === 'recalled') {
        throw new AppError(
          'conflict',
          `Batch ${batch.lot} was already recalled on ${batch.recall?.recalledAt ?? '?'}.`,
        );
      }
      const done = await withActor(app.db, user.id, (trx) =>
        recallBatch(trx, batch.id, request.body.reason.trim(), user.id),
      );
      if (!done) throw new AppError('conflict', `Batch ${batch.lot} was recalled meanwhile.`);
      return (await getBatch(app.db, { kind: 'all' }, batch.id))!;
    },
  );
};

export default batches;
