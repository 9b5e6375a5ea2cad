import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listAlerts } from '../../security/alerts.ts';
import { DEFAULT_PAGE_SIZE } from '../common-schemas.ts';
import { bearer, errors, named, pageOf } from '../route-helpers.ts';
import { SecurityAlertPage, SecurityAlertQuery } from './schemas.ts';

/** Security alerts for the OCOP office (issue 8): daily issuance quota refusals, enumeration. */
const security: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/security/alerts',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['security'],
        operationId: 'listSecurityAlerts',
        summary: 'Security alerts, latest first: issuance quota refusals and suspected code enumeration',
        security: bearer,
        querystring: SecurityAlertQuery,
        response: { 200: named(SecurityAlertPage), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listAlerts(app.db, {
        kind: q.kind,
        limit: q.limit ?? DEFAULT_PAGE_SIZE,
        offset: q.offset ?? 0,
      });
      return pageOf(items, total, q);
    },
  );
};

export default security;
