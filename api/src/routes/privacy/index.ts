import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { withActor } from '@ocop/db';
import { currentUser } from '../../plugins/auth.ts';
import { problems } from '../common-schemas.ts';
import { auditPrivacy, eraseReporter, reportsOfReporter } from './queries.ts';
import { ReporterErasure, ReporterExport, ReporterRequest } from './schemas.ts';

const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString();

/**
 * Data-subject requests of people who sent a report with their contact (Law 91/2025/QH15 on
 * personal data protection; Decree 356/2025/NĐ-CP: answer within 2 working days). Reports carry no
 * account, so the office checks the requester's identity out of band and an admin runs the export
 * or the erasure here. The contact travels in the JSON body, never in the URL, so it stays out of
 * access logs. Both requests leave an audit entry without the contact itself.
 */
const privacy: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/v1/privacy/reporters/export',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['privacy'],
        operationId: 'exportReporterData',
        summary: "Everything stored about a reporter, found by the contact they gave (data subject's access)",
        security: [{ bearerAuth: [] }],
        body: ReporterRequest,
        response: { 200: ReporterExport, ...problems(400, 401, 403, 415) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const rows = await reportsOfReporter(app.db, request.body.contact);
      await withActor(app.db, user.id, (trx) =>
        auditPrivacy(trx, user.id, 'privacy_export', {
          reports: rows.length,
          reportIds: rows.map((r) => r.id),
        }),
      );
      return {
        contact: request.body.contact,
        exportedAt: new Date().toISOString(),
        reports: rows.map((r) => ({
          id: r.id,
          createdAt: iso(r.created_at),
          reason: r.reason,
          code: r.code,
          productId: r.product_id,
          verdict: r.verdict,
          details: r.details,
          place: r.place,
          contact: r.contact,
          lang: r.lang,
          status: r.status,
        })),
      };
    },
  );

  app.post(
    '/api/v1/privacy/reporters/erase',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['privacy'],
        operationId: 'eraseReporterData',
        summary: "Erase a reporter's personal data from their reports (data subject's erasure); counts stay",
        security: [{ bearerAuth: [] }],
        body: ReporterRequest,
        response: { 200: ReporterErasure, ...problems(400, 401, 403, 415) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const ids = await withActor(app.db, user.id, async (trx) => {
        const erased = await eraseReporter(trx, request.body.contact);
        await auditPrivacy(trx, user.id, 'privacy_erasure', { reports: erased.length, reportIds: erased });
        return erased;
      });
      return { erasedAt: new Date().toISOString(), reports: ids.length, reportIds: ids };
    },
  );
};

export default privacy;
