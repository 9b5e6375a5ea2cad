import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { withActor } from '@ocop/db';
import { currentUser } from '../../plugins/auth.ts';
import { AppError } from '../../errors.ts';
import { IdParams, bearer, errors, named, pageOf } from '../route-helpers.ts';
import { scopeOf, unitExists } from '../scope.ts';
import { productInScope } from '../products/queries.ts';
import { codePathOf } from '../analytics/code-path.ts';
import {
  addCaseEvent,
  closeCase,
  codeRecord,
  getCase,
  getCaseDetail,
  linkToCase,
  listCases,
  openOrJoinCase,
  reopenCase,
} from './queries.ts';
import {
  CaseClose,
  CaseCreate,
  CaseDetail,
  CaseLinks,
  CaseNote,
  CasePage,
  CaseQuery,
  CaseReopen,
  CaseUpdate,
} from './schemas.ts';

const OFFICE = ['admin', 'officer'] as const;

/**
 * The office's queue of cases to follow up and close (issue 7, anti-counterfeit analytics): scan
 * signals of copied codes, consumer reports and inspectors' findings, gathered per code. Findings
 * with a problem open or join a case by themselves (routes/findings); the office opens the others
 * from the signals of GET /api/v1/analytics/signals.
 */
const casesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const detailOr404 = async (scope: ReturnType<typeof scopeOf>, id: string) => {
    const d = await getCaseDetail(app.db, scope, id);
    if (!d) throw new AppError('not_found', `No case ${id} that you may see.`);
    return d;
  };

  app.get(
    '/api/v1/cases',
    {
      config: { access: [...OFFICE] },
      schema: {
        tags: ['cases'],
        operationId: 'listCases',
        summary: 'The case queue: open work first (high priority, then oldest), closed cases last',
        security: bearer,
        querystring: CaseQuery,
        response: { 200: named(CasePage), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listCases(app.db, scopeOf(currentUser(request)), q);
      return pageOf(items, total, q);
    },
  );

  app.post(
    '/api/v1/cases',
    {
      config: { access: [...OFFICE] },
      schema: {
        tags: ['cases'],
        operationId: 'createCase',
        summary:
          'Open a case, linking reports and findings. A case about a code that already has an open case joins it (200).',
        security: bearer,
        body: CaseCreate,
        response: {
          200: named(CaseDetail),
          201: named(CaseDetail),
          ...errors(400, 401, 403, 404, 409, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const scope = scopeOf(user);
      const b = request.body;
      const codePath = b.code === undefined ? null : codePathOf(b.code);
      if (b.code !== undefined && codePath === null) {
        throw new AppError('unprocessable', 'code is not an OCOP Trace code address or code path.');
      }
      const record = codePath ? await codeRecord(app.db, codePath) : null;
      let productId = b.productId ?? record?.productId ?? null;
      const batchId = b.batchId ?? record?.batchId ?? null;
      if (productId && !(await productInScope(app.db, scope, productId))) {
        throw new AppError('not_found', `No product ${productId} that you may see.`);
      }
      if (batchId) {
        const batch = await app.db
          .selectFrom('batches')
          .select(['id', 'product_id'])
          .where('id', '=', batchId)
          .executeTakeFirst();
        if (!batch || (productId && batch.product_id !== productId)) {
          throw new AppError('unprocessable', 'batchId does not name a batch of this product.');
        }
        productId ??= batch.product_id;
      }
      if (b.adminUnitId && !(await unitExists(app.db, b.adminUnitId))) {
        throw new AppError('unprocessable', `adminUnitId ${b.adminUnitId} is not an administrative unit.`);
      }
      const result = await withActor(app.db, user.id, async (trx) => {
        const opened = await openOrJoinCase(trx, {
          kind: b.kind,
          title: b.title.trim(),
          priority: b.priority ?? 'normal',
          codePath,
          productId,
          batchId,
          adminUnitId: b.adminUnitId ?? null,
          signals: b.signals ?? {},
          openedBy: user.id,
          note: b.note ?? null,
        });
        const links = await linkToCase(trx, opened.id, user.id, b);
        if (links.missing.length > 0) {
          throw new AppError('unprocessable', `Unknown report or finding ids: ${links.missing.join(', ')}.`);
        }
        if (links.taken.length > 0) {
          throw new AppError('conflict', `Already linked to another case: ${links.taken.join(', ')}.`, {
            ids: links.taken,
          });
        }
        if (!opened.created && b.note) await addCaseEvent(trx, opened.id, user.id, 'note', b.note);
        return opened;
      });
      return reply.code(result.created ? 201 : 200).send(await detailOr404(scope, result.id));
    },
  );

  app.get(
    '/api/v1/cases/:id',
    {
      config: { access: [...OFFICE] },
      schema: {
        tags: ['cases'],
        operationId: 'getCase',
        summary: 'A case with its reports, findings and history',
        security: bearer,
        params: IdParams,
        response: { 200: named(CaseDetail), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => detailOr404(scopeOf(currentUser(request)), request.params.id),
  );

  app.patch(
    '/api/v1/cases/:id',
    {
      config: { access: [...OFFICE] },
      schema: {
        tags: ['cases'],
        operationId: 'updateCase',
        summary: 'Take a case up (investigating), set its priority, assign it or retitle it',
        security: bearer,
        params: IdParams,
        body: CaseUpdate,
        response: { 200: named(CaseDetail), ...errors(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const scope = scopeOf(user);
      const { id } = request.params;
      const c = await getCase(app.db, scope, id);
      if (!c) throw new AppError('not_found', `No case ${id} that you may see.`);
      if (c.status === 'closed') throw new AppError('conflict', 'The case is closed: reopen it first.');
      const b = request.body;
      if (b.assignedTo) {
        const assignee = await app.db
          .selectFrom('users')
          .select(['id', 'role', 'disabled_at'])
          .where('id', '=', b.assignedTo)
          .executeTakeFirst();
        if (!assignee || assignee.disabled_at || !['admin', 'officer', 'inspector'].includes(assignee.role)) {
          throw new AppError('unprocessable', 'assignedTo must be an enabled office or inspector account.');
        }
      }
      await withActor(app.db, user.id, async (trx) => {
        await trx
          .updateTable('cases')
          .set({
            ...(b.status ? { status: b.status } : {}),
            ...(b.priority ? { priority: b.priority } : {}),
            ...(b.assignedTo !== undefined ? { assigned_to: b.assignedTo } : {}),
            ...(b.title ? { title: b.title.trim() } : {}),
            updated_at: new Date(),
          })
          .where('id', '=', id)
          .execute();
        if (b.status && b.status !== c.status) await addCaseEvent(trx, id, user.id, 'status', b.status);
        if (b.assignedTo !== undefined) await addCaseEvent(trx, id, user.id, 'assigned', b.assignedTo);
      });
      return detailOr404(scope, id);
    },
  );

  app.post(
    '/api/v1/cases/:id/notes',
    {
      config: { access: [...OFFICE] },
      schema: {
        tags: ['cases'],
        operationId: 'addCaseNote',
        summary: 'Add a follow-up note to a case',
        security: bearer,
        params: IdParams,
        body: CaseNote,
        response: { 201: named(CaseDetail), ...errors(400, 401, 403, 404, 415) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const scope = scopeOf(user);
      const { id } = request.params;
      if (!(await getCase(app.db, scope, id)))
        throw new AppError('not_found', `No case ${id} that you may see.`);
      await withActor(app.db, user.id, async (trx) => {
        await addCaseEvent(trx, id, user.id, 'note', request.body.note);
        await trx.updateTable('cases').set({ updated_at: new Date() }).where('id', '=', id).execute();
      });
      return reply.code(201).send(await detailOr404(scope, id));
    },
  );

  app.post(
    '/api/v1/cases/:id/links',
    {
      config: { access: [...OFFICE] },
      schema: {
        tags: ['cases'],
        operationId: 'linkCase',
        summary: 'Link consumer reports and inspector findings to a case',
        security: bearer,
        params: IdParams,
        body: CaseLinks,
        response: { 200: named(CaseDetail), ...errors(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const scope = scopeOf(user);
      const { id } = request.params;
      if (!(await getCase(app.db, scope, id)))
        throw new AppError('not_found', `No case ${id} that you may see.`);
      await withActor(app.db, user.id, async (trx) => {
        const links = await linkToCase(trx, id, user.id, request.body);
        if (links.missing.length > 0) {
          throw new AppError('unprocessable', `Unknown report or finding ids: ${links.missing.join(', ')}.`);
        }
        if (links.taken.length > 0) {
          throw new AppError('conflict', `Already linked to another case: ${links.taken.join(', ')}.`, {
            ids: links.taken,
          });
        }
      });
      return detailOr404(scope, id);
    },
  );

  app.post(
    '/api/v1/cases/:id/close',
    {
      config: { access: [...OFFICE] },
      schema: {
        tags: ['cases'],
        operationId: 'closeCase',
        summary: 'Close a case with its resolution; its consumer reports close with it',
        security: bearer,
        params: IdParams,
        body: CaseClose,
        response: { 200: named(CaseDetail), ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const scope = scopeOf(user);
      const { id } = request.params;
      if (!(await getCase(app.db, scope, id)))
        throw new AppError('not_found', `No case ${id} that you may see.`);
      const done = await withActor(app.db, user.id, (trx) =>
        closeCase(trx, id, user.id, request.body.resolution, request.body.note ?? null),
      );
      if (!done) throw new AppError('conflict', 'The case is already closed.');
      return detailOr404(scope, id);
    },
  );

  app.post(
    '/api/v1/cases/:id/reopen',
    {
      config: { access: [...OFFICE] },
      schema: {
        tags: ['cases'],
        operationId: 'reopenCase',
        summary: 'Reopen a closed case (it goes back to investigating)',
        security: bearer,
        params: IdParams,
        body: CaseReopen,
        response: { 200: named(CaseDetail), ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const scope = scopeOf(user);
      const { id } = request.params;
      const c = await getCase(app.db, scope, id);
      if (!c) throw new AppError('not_found', `No case ${id} that you may see.`);
      if (c.codePath) {
        const other = await app.db
          .selectFrom('cases')
          .select('id')
          .where('code_path', '=', c.codePath)
          .where('status', '<>', 'closed')
          .where('id', '<>', id)
          .executeTakeFirst();
        if (other) {
          throw new AppError(
            'conflict',
            `Case ${other.id} is already open for this code: follow it up there.`,
            {
              caseId: other.id,
            },
          );
        }
      }
      const done = await withActor(app.db, user.id, (trx) =>
        reopenCase(trx, id, user.id, request.body.note ?? null),
      );
      if (!done) throw new AppError('conflict', 'The case is not closed.');
      return detailOr404(scope, id);
    },
  );
};

export default casesRoutes;
