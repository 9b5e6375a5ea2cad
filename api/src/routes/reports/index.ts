import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors.ts';
import { problems } from '../common-schemas.ts';
import { findReports, insertReport, productExists } from './queries.ts';
import type { Report } from './schemas.ts';
import { NewReportBody, ReportPage, ReportQuery, ReportReceipt } from './schemas.ts';

const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString();

/** Empty or blank optional text is stored as null. */
const text = (s: string | undefined): string | null => (s === undefined || s.trim() === '' ? null : s.trim());

/**
 * Reports of suspicious products (DESIGN: a consumer must be able to "report a suspicious
 * product"). Anyone may send one, without an account; the office and inspectors read them.
 */
const reports: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/v1/reports',
    {
      config: {
        access: 'public',
        // Public and unauthenticated: a few per client address, enough for an honest consumer.
        rateLimit: { max: 5, timeWindow: '10 minutes' },
      },
      schema: {
        tags: ['reports'],
        operationId: 'createReport',
        summary: 'Report a suspicious product (public, rate-limited)',
        description:
          'Stores what the reporter noticed, the scanned code and the verdict they saw. No IP address or location is stored.',
        body: NewReportBody,
        response: { 201: ReportReceipt, ...problems(400, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      if (b.productId && !(await productExists(app.db, b.productId))) {
        throw new AppError('unprocessable', 'productId does not name a product of the registry.');
      }
      const row = await insertReport(app.db, {
        reason: b.reason,
        code: text(b.code),
        product_id: b.productId ?? null,
        verdict: b.verdict ?? null,
        details: text(b.details),
        place: text(b.place),
        contact: text(b.contact),
        lang: b.lang ?? 'vi',
      });
      return reply.status(201).send({ id: row.id, status: row.status, createdAt: iso(row.created_at) });
    },
  );

  app.get(
    '/api/v1/reports',
    {
      config: { access: ['admin', 'officer', 'inspector'] },
      schema: {
        tags: ['reports'],
        operationId: 'listReports',
        summary: 'Reports of suspicious products, newest first',
        security: [{ bearerAuth: [] }],
        querystring: ReportQuery,
        response: { 200: ReportPage, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 20, offset = 0, status, productId } = request.query;
      const { rows, total } = await findReports(app.db, { status, productId }, limit, offset);
      const items: Report[] = rows.map((r) => ({
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
      }));
      return { items, total, limit, offset };
    },
  );
};

export default reports;
