import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  certificateValidTo,
  certifyingLevel,
  checkCertifyingLevel,
  checkClaimedStars,
  compareDates,
  criteriaSetOn,
  defaultAuthority,
  evaluateScores,
  todayInVietnam,
} from '@ocop/domain';
import { withActor } from '@ocop/db';
import { currentUser } from '../../plugins/auth.ts';
import { createRecorded } from '../../plugins/idempotency.ts';
import { AppError } from '../../errors.ts';
import {
  IdParams,
  IdempotencyHeaders,
  bearer,
  errors,
  isUniqueViolation,
  registryRule,
  ruleError,
  named,
} from '../route-helpers.ts';
import { scopeOf } from '../scope.ts';
import { productInScope } from '../products/queries.ts';
import {
  activeCertificateOf,
  authorityNames,
  getCertificate,
  getCertificateRow,
  insertCertificate,
  renewalsDue,
  revokeCertificate,
} from './queries.ts';
import { Certificate, CertificateCreate, RenewalList, RenewalQuery, RevokeRequest } from './schemas.ts';

const certificates: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/v1/certificates',
    {
      config: { access: ['admin', 'officer'], idempotent: true },
      schema: {
        tags: ['certificates'],
        operationId: 'createCertificate',
        summary:
          'Record an evaluation result: stars and certifying level follow from the scores and the decision date; a contradiction is a 422 naming the rule. With supersedesId it renews or upgrades.',
        security: bearer,
        headers: IdempotencyHeaders,
        body: CertificateCreate,
        response: { 201: named(Certificate), ...errors(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const body = request.body;
      const product = await productInScope(app.db, scopeOf(user), body.productId);
      if (!product) throw new AppError('not_found', `No product ${body.productId} that you may certify.`);

      // The rules of the day of the decision (Decision 1048 / 148 / 1489): criteria set, stars, level.
      const date = body.decisionDate;
      const set = criteriaSetOn(date);
      if (!set) {
        throw registryRule(
          'certification.no_period',
          `No OCOP criteria set was in force on ${date} (the first one dates from 21/08/2019).`,
          `Không có bộ tiêu chí OCOP nào có hiệu lực vào ngày ${date} (bộ đầu tiên từ 21/08/2019).`,
        );
      }
      const evaluation = evaluateScores(
        {
          scoreA: body.scoreA,
          scoreB: body.scoreB,
          scoreC: body.scoreC,
          mandatoryPassed: body.mandatoryPassed,
        },
        set,
      );
      if (!evaluation.ok) throw ruleError(evaluation);
      if (body.stars !== undefined) {
        const v = checkClaimedStars(body.stars, evaluation);
        if (v) throw ruleError(v);
      }
      const stars = evaluation.stars;
      const levelCheck = checkCertifyingLevel(
        date,
        stars,
        body.level ?? certifyingLevel(date, stars) ?? 'province',
      );
      if (levelCheck) throw ruleError(levelCheck);
      const level = certifyingLevel(date, stars);
      if (level === null || level === 'commune')
        throw new Error(`no certifying level for ${stars}★ on ${date}`);

      const validFrom = body.validFrom ?? date;
      const validTo = certificateValidTo(date);
      if (compareDates(validFrom, date) < 0 || compareDates(validFrom, validTo) >= 0) {
        throw registryRule(
          'certificate.valid_from',
          `validFrom (${validFrom}) must lie between the decision date (${date}) and the end of validity (${validTo}).`,
          `Ngày bắt đầu hiệu lực (${validFrom}) phải từ ngày quyết định (${date}) đến trước ngày hết hạn (${validTo}).`,
        );
      }

      let authority = body.authority ?? null;
      if (authority === null) {
        const names = product.unitId ? await authorityNames(app.db, product.unitId, date) : null;
        authority = defaultAuthority(level, date, names?.province ?? '', names?.district ?? undefined);
        if (authority === null) {
          throw registryRule(
            'certificate.authority',
            `The certifying authority (${level} level) cannot be derived from the product's place: send authority, e.g. "UBND tỉnh Quảng Ngãi".`,
            `Không xác định được cơ quan công nhận từ địa bàn của sản phẩm: hãy nhập authority, ví dụ "UBND tỉnh Quảng Ngãi".`,
          );
        }
      }

      // Renewal or upgrade supersedes the active certificate; otherwise there must be none.
      const active = await activeCertificateOf(app.db, product.id);
      const supersedesId = body.supersedesId ?? null;
      if (supersedesId === null && active) {
        throw new AppError(
          'conflict',
          `Product already holds active certificate ${active.id} (${active.stars}★, decision ${active.decision_no}, valid to ${active.valid_to}). To renew or upgrade it, send supersedesId: "${active.id}".`,
          { activeCertificateId: active.id },
        );
      }
      if (supersedesId !== null) {
        const old = await getCertificateRow(app.db, supersedesId);
        if (!old || old.product_id !== product.id) {
          throw registryRule(
            'certificate.supersedes',
            `Certificate ${supersedesId} is not a certificate of product ${product.id}.`,
            `Giấy chứng nhận ${supersedesId} không thuộc sản phẩm ${product.id}.`,
          );
        }
        if (old.status !== 'active') {
          throw new AppError(
            'conflict',
            `Certificate ${supersedesId} is ${old.status}; only the active certificate can be superseded.`,
          );
        }
        if (compareDates(date, old.decision_date) < 0) {
          throw registryRule(
            'certificate.supersedes',
            `The new decision (${date}) cannot predate the certificate it supersedes (${old.decision_date}).`,
            `Quyết định mới (${date}) không thể trước quyết định của giấy chứng nhận được thay thế (${old.decision_date}).`,
          );
        }
      }

      const today = todayInVietnam(new Date());
      const certificate = await createRecorded(
        app.db,
        user.id,
        request,
        (trx) =>
          insertCertificate(trx, {
            product_id: product.id,
            criteria_set_id: set.id,
            score_a: body.scoreA,
            score_b: body.scoreB,
            score_c: body.scoreC,
            total_score: evaluation.total,
            mandatory_passed: [...body.mandatoryPassed].sort(),
            stars,
            level,
            authority,
            decision_no: body.decisionNo.trim(),
            decision_date: date,
            round: body.round ?? null,
            valid_from: validFrom,
            valid_to: validTo,
            supersedes_id: supersedesId,
            evidence_url: body.evidenceUrl ?? null,
          }),
        (trx, id) => getCertificate(trx, id, today),
      ).catch((err: unknown) => {
        if (isUniqueViolation(err) || (err instanceof Error && /no longer active/.test(err.message))) {
          throw new AppError(
            'conflict',
            'Another certificate of this product was recorded meanwhile: reload and retry.',
          );
        }
        throw err;
      });
      return reply.code(201).send(certificate);
    },
  );

  app.get(
    '/api/v1/certificates/renewals',
    {
      config: { access: ['admin', 'officer', 'producer', 'inspector'] },
      schema: {
        tags: ['certificates'],
        operationId: 'listRenewals',
        summary:
          'Active certificates whose last valid day falls within withinDays (default 30): all (admin, inspector), your area (officer), your own (producer)',
        security: bearer,
        querystring: RenewalQuery,
        response: { 200: named(RenewalList), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const today = todayInVietnam(new Date());
      const withinDays = request.query.withinDays ?? 30;
      const items = await renewalsDue(app.db, scopeOf(currentUser(request)), today, withinDays);
      return { items, withinDays, today };
    },
  );

  app.get(
    '/api/v1/certificates/:id',
    {
      config: { access: 'public' },
      schema: {
        tags: ['certificates'],
        operationId: 'getCertificate',
        summary: 'One certificate with its state today',
        params: IdParams,
        response: { 200: named(Certificate), ...errors(400, 404) },
      },
    },
    async (request) => {
      const c = await getCertificate(app.db, request.params.id, todayInVietnam(new Date()));
      if (!c) throw new AppError('not_found', `No certificate ${request.params.id}.`);
      return c;
    },
  );

  app.post(
    '/api/v1/certificates/:id/revoke',
    {
      config: { access: ['admin', 'officer'] },
      schema: {
        tags: ['certificates'],
        operationId: 'revokeCertificate',
        summary: 'Revoke a certificate with a reason; takes effect at once for every code that leans on it',
        security: bearer,
        params: IdParams,
        body: RevokeRequest,
        response: { 200: named(Certificate), ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const { id } = request.params;
      const row = await getCertificateRow(app.db, id);
      if (!row || !(await productInScope(app.db, scopeOf(user), row.product_id))) {
        throw new AppError('not_found', `No certificate ${id} that you may revoke.`);
      }
      if (row.status !== 'active') {
        throw new AppError(
          'conflict',
          `Certificate ${id} is already ${row.status}; only an active certificate can be revoked.`,
        );
      }
      const done = await withActor(app.db, user.id, (trx) =>
        revokeCertificate(trx, id, request.body.reason, request.body.note ?? null),
      );
      if (!done) throw new AppError('conflict', `Certificate ${id} changed meanwhile: reload and retry.`);
      return (await getCertificate(app.db, id, todayInVietnam(new Date())))!;
    },
  );
};

export default certificates;
