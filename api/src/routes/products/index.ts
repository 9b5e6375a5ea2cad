import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { criteriaSetOn, isValidGtin, toGtin14, todayInVietnam } from '@ocop/domain';
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
import { createProduct, listProducts, productDetail, productInScope, updateProduct } from './queries.ts';
import { ProductCreate, ProductDetail, ProductPage, ProductQuery, ProductUpdate } from './schemas.ts';

function gtin14(gtin: string | null | undefined): string | null | undefined {
  if (gtin == null) return gtin;
  if (!isValidGtin(gtin)) {
    throw registryRule(
      'product.gtin',
      `"${gtin}" is not a valid GTIN: 8, 12, 13 or 14 digits with a correct GS1 check digit. Leave it empty if the product has none.`,
      `"${gtin}" không phải mã GTIN hợp lệ (8, 12, 13 hoặc 14 chữ số, đúng số kiểm tra GS1).`,
    );
  }
  return toGtin14(gtin);
}

async function checkCategory(db: Kysely<Database>, criteriaSetId: string, code: string): Promise<void> {
  const found = await db
    .selectFrom('product_categories')
    .select('code')
    .where('criteria_set_id', '=', criteriaSetId)
    .where('code', '=', code)
    .executeTakeFirst();
  if (!found) {
    throw registryRule(
      'product.category',
      `There is no category "${code}" in criteria set ${criteriaSetId}: pick one from GET /api/v1/categories.`,
    );
  }
}

async function checkUnit(
  db: Kysely<Database>,
  user: AuthUser,
  unitId: string | null,
  what: string,
): Promise<void> {
  if (user.role !== 'officer') return;
  if (unitId === null || user.adminUnitId === null || !(await isUnitWithin(db, unitId, user.adminUnitId))) {
    throw new AppError(
      'forbidden',
      `As an officer you manage ${what} inside your administrative area (${user.adminUnitId ?? 'none'}) only.`,
    );
  }
}

function duplicateGtin(err: unknown, gtin: string | null | undefined): never {
  if (isUniqueViolation(err, 'products_gtin_key')) {
    throw new AppError('conflict', `Another product already has GTIN ${gtin ?? ''}.`);
  }
  throw err;
}

const products: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/products',
    {
      config: { access: 'public' },
      schema: {
        tags: ['products'],
        operationId: 'listProducts',
        summary: 'The public OCOP catalogue, filtered and paginated',
        querystring: ProductQuery,
        response: { 200: named(ProductPage), ...errors(400) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listProducts(app.db, q, todayInVietnam(new Date()));
      return pageOf(items, total, q);
    },
  );

  app.get(
    '/api/v1/products/:id',
    {
      config: { access: 'public' },
      schema: {
        tags: ['products'],
        operationId: 'getProduct',
        summary: 'A product with its producer, place, category, certificates (current and past) and zones',
        params: IdParams,
        response: { 200: named(ProductDetail), ...errors(400, 404) },
      },
    },
    async (request) => {
      const p = await productDetail(app.db, request.params.id, todayInVietnam(new Date()));
      if (!p) throw new AppError('not_found', `No product ${request.params.id}.`);
      return p;
    },
  );

  app.post(
    '/api/v1/products',
    {
      config: { access: ['admin', 'officer', 'producer'], idempotent: true },
      schema: {
        tags: ['products'],
        operationId: 'createProduct',
        summary: 'Register a product (a producer registers its own)',
        security: bearer,
        headers: IdempotencyHeaders,
        body: ProductCreate,
        response: { 201: named(ProductDetail), ...errors(400, 401, 403, 409, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const body = request.body;
      let producerId = body.producerId;
      if (user.role === 'producer') {
        if (producerId !== undefined && producerId !== user.producerId) {
          throw new AppError('forbidden', 'A producer registers products of its own: leave producerId out.');
        }
        producerId = user.producerId ?? undefined;
      }
      if (producerId === undefined) {
        throw new AppError('validation_failed', 'producerId is required: whose product is it?');
      }
      const producer = await app.db
        .selectFrom('producers')
        .select('admin_unit_id')
        .where('id', '=', producerId)
        .executeTakeFirst();
      if (!producer) throw registryRule('producer.unknown', `There is no producer ${producerId}.`);
      const today = todayInVietnam(new Date());
      const criteriaSetId = body.criteriaSetId ?? criteriaSetOn(today)?.id ?? '148/QĐ-TTg';
      await checkCategory(app.db, criteriaSetId, body.categoryCode);
      if (body.originUnitId != null && !(await unitExists(app.db, body.originUnitId))) {
        throw registryRule('admin_unit.unknown', `There is no administrative unit "${body.originUnitId}".`);
      }
      await checkUnit(app.db, user, body.originUnitId ?? producer.admin_unit_id, 'products');
      const g = gtin14(body.gtin) ?? null;
      const product = await createRecorded(
        app.db,
        user.id,
        request,
        (trx) => createProduct(trx, { ...body, producerId, criteriaSetId, gtin14: g }),
        (trx, id) => productDetail(trx, id, today),
      ).catch((err: unknown) => duplicateGtin(err, g));
      return reply.code(201).send(product);
    },
  );

  app.patch(
    '/api/v1/products/:id',
    {
      config: { access: ['admin', 'officer', 'producer'] },
      schema: {
        tags: ['products'],
        operationId: 'updateProduct',
        summary: 'Change a product (its producer never changes)',
        security: bearer,
        params: IdParams,
        body: ProductUpdate,
        response: { 200: named(ProductDetail), ...errors(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const { id } = request.params;
      const body = request.body;
      const product = await productInScope(app.db, scopeOf(user), id);
      if (!product) throw new AppError('not_found', `No product ${id} that you may change.`);
      if (body.categoryCode !== undefined) {
        const row = await app.db
          .selectFrom('products')
          .select('criteria_set_id')
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        await checkCategory(app.db, row.criteria_set_id, body.categoryCode);
      }
      if (body.originUnitId !== undefined) {
        if (body.originUnitId !== null && !(await unitExists(app.db, body.originUnitId))) {
          throw registryRule('admin_unit.unknown', `There is no administrative unit "${body.originUnitId}".`);
        }
        const producer = await app.db
          .selectFrom('producers')
          .select('admin_unit_id')
          .where('id', '=', product.producerId)
          .executeTakeFirstOrThrow();
        await checkUnit(app.db, user, body.originUnitId ?? producer.admin_unit_id, 'products');
      }
      const g = gtin14(body.gtin);
      await withActor(app.db, user.id, (trx) =>
        updateProduct(trx, id, { ...body, ...(g !== undefined ? { gtin14: g } : {}) }),
      ).catch((err: unknown) => duplicateGtin(err, g));
      return (await productDetail(app.db, id, todayInVietnam(new Date())))!;
    },
  );
};

export default products;
