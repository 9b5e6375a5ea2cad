import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { criteriaSetOn, todayInVietnam } from '@ocop/domain';
import { errors, named } from '../route-helpers.ts';
import { listAdminUnits, listCategories } from './queries.ts';
import { AdminUnitList, AdminUnitQuery, CategoryList, CategoryQuery } from './schemas.ts';

/**
 * Reference data for forms and filters, public: administrative units (effective-dated, with
 * successors) and the product taxonomy of a criteria set.
 */
const adminUnits: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/admin-units',
    {
      config: { access: 'public' },
      schema: {
        tags: ['reference'],
        operationId: 'listAdminUnits',
        summary: 'Administrative units (old and new), for forms and the commune filter',
        querystring: AdminUnitQuery,
        response: { 200: named(AdminUnitList), ...errors(400) },
      },
    },
    async (request) => {
      const items = await listAdminUnits(app.db, request.query);
      return { items, total: items.length };
    },
  );

  app.get(
    '/api/v1/categories',
    {
      config: { access: 'public' },
      schema: {
        tags: ['reference'],
        operationId: 'listCategories',
        summary: 'The OCOP product taxonomy (group → nhóm → phân nhóm) of a criteria set',
        querystring: CategoryQuery,
        response: { 200: named(CategoryList), ...errors(400) },
      },
    },
    async (request) => {
      const setId =
        request.query.criteriaSetId ?? criteriaSetOn(todayInVietnam(new Date()))?.id ?? '148/QĐ-TTg';
      return { items: await listCategories(app.db, setId, request.query) };
    },
  );
};

export default adminUnits;
