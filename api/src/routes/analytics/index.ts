import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { currentUser } from '../../plugins/auth.ts';
import { AppError } from '../../errors.ts';
import { IdParams, bearer, errors, named } from '../route-helpers.ts';
import { scopeOf } from '../scope.ts';
import { batchInScope } from '../batches/queries.ts';
import { codePathOf } from './code-path.ts';
import { batchAnalytics, codeAnalytics, signalList } from './queries.ts';
import { BatchAnalytics, CodeAnalytics, CodeAnalyticsQuery, SignalList, SignalQuery } from './schemas.ts';

/**
 * Anti-counterfeit analytics beyond the verifier's first signals (issue 7 §4): scan velocity,
 * devices and areas per code and per batch, the reports and findings linked to a code, and the
 * office's queue of signals to open cases from. Device ids are only ever counted, never shown.
 */
const analytics: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/analytics/codes',
    {
      config: { access: ['admin', 'officer', 'inspector'] },
      schema: {
        tags: ['analytics'],
        operationId: 'getCodeAnalytics',
        summary: 'Scans of one code: velocity, devices, areas, verdicts; its reports, findings and open case',
        security: bearer,
        querystring: CodeAnalyticsQuery,
        response: { 200: named(CodeAnalytics), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const path = codePathOf(request.query.code);
      if (!path) throw new AppError('unprocessable', 'code is not an OCOP Trace code address or code path.');
      const result = await codeAnalytics(app.db, scopeOf(currentUser(request)), path);
      if (!result) throw new AppError('not_found', 'No code of a product you may see.');
      return result;
    },
  );

  app.get(
    '/api/v1/analytics/batches/:id',
    {
      config: { access: ['admin', 'officer', 'producer', 'inspector'] },
      schema: {
        tags: ['analytics'],
        operationId: 'getBatchAnalytics',
        summary: "Scans of a batch's codes: per day, by area, the most scanned codes and their copy signals",
        security: bearer,
        params: IdParams,
        response: { 200: named(BatchAnalytics), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await batchInScope(app.db, scopeOf(currentUser(request)), id))) {
        throw new AppError('not_found', `No batch ${id} that you may see.`);
      }
      return batchAnalytics(app.db, id);
    },
  );

  app.get(
    '/api/v1/analytics/signals',
    {
      config: { access: ['admin', 'officer'] },
      schema: {
        tags: ['analytics'],
        operationId: 'listSignals',
        summary: 'Signals to follow up: codes whose scans look copied, consumer reports not yet in a case',
        security: bearer,
        querystring: SignalQuery,
        response: { 200: named(SignalList), ...errors(400, 401, 403) },
      },
    },
    async (request) => signalList(app.db, scopeOf(currentUser(request)), request.query.limit ?? 30),
  );
};

export default analytics;
