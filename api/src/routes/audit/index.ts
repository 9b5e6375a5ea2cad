import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { verifyAuditChain } from '@ocop/db';
import { bearer, errors, named, pageOf } from '../route-helpers.ts';
import { listAudit } from './queries.ts';
import { AuditPage, AuditQuery, AuditVerification } from './schemas.ts';

/** The hash-chained audit log (admin): read it, and check that the chain still holds. */
const audit: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/audit',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['audit'],
        operationId: 'listAudit',
        summary: 'Audit log entries, newest first',
        security: bearer,
        querystring: AuditQuery,
        response: { 200: named(AuditPage), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listAudit(app.db, q);
      return pageOf(items, total, q);
    },
  );

  app.get(
    '/api/v1/audit/verify',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['audit'],
        operationId: 'verifyAudit',
        summary: 'Recompute the hash chain; names the first broken entry and why',
        security: bearer,
        response: { 200: named(AuditVerification), ...errors(401, 403) },
      },
    },
    async () => verifyAuditChain(app.db),
  );
};

export default audit;
