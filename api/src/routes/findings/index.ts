import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import { withActor, type CaseKind, type FindingOutcome, type FindingVerdict } from '@ocop/db';
import { currentUser } from '../../plugins/auth.ts';
import { AppError } from '../../errors.ts';
import { IdParams, IdempotencyHeaders, bearer, errors, named, pageOf } from '../route-helpers.ts';
import { unitExists } from '../scope.ts';
import { codePathOf } from '../analytics/code-path.ts';
import { codeRecord, linkToCase, openOrJoinCase } from '../cases/queries.ts';
import { findingOwner, findingsForReport, getFinding, insertFinding, listFindings } from './queries.ts';
import { MAX_PHOTOS_PER_FINDING, MAX_PHOTO_UPLOAD_BYTES, PHOTO_TYPES, reencodePhoto } from './photos.ts';
import { OUTCOME_LABEL, findingsCsv, findingsPdf, thumbnail, type ReportPhoto } from './report.ts';
import {
  Binary,
  Finding,
  FindingCreate,
  FindingPage,
  FindingPhoto,
  FindingQuery,
  FindingReportQuery,
  PhotoParams,
} from './schemas.ts';

const RECORDERS = ['inspector', 'admin'] as const;
const READERS = ['inspector', 'admin', 'officer'] as const;
/** Device clocks drift; a finding "from the future" is stored at the time it arrived. */
const FUTURE_SKEW_MS = 5 * 60_000;
/** A report covers a session or a period, not the whole history. */
const REPORT_CAP = 2000;
const REPORT_PHOTO_CAP = 80;

/** Verdicts that say the pack's claim is false, whatever the inspector concluded. */
const COUNTERFEIT_VERDICTS = new Set<FindingVerdict>(['forged', 'suspected_copy']);

function caseKindOf(outcome: FindingOutcome, verdict: FindingVerdict): CaseKind {
  if (outcome === 'stars_mismatch') return 'stars_mismatch';
  if (outcome === 'expired_mark' || outcome === 'revoked_mark') return 'expired_mark';
  if (verdict === 'suspected_copy') return 'suspected_copy';
  return 'inspector_finding';
}

/** Params of the photo routes go through Ajv; their body is the raw image, checked by sharp. */
const paramsAjv = addFormats.default(new Ajv.default({ coerceTypes: false, strict: false }));
const rawImageBody: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (httpPart === 'body') {
    return (data: unknown) =>
      Buffer.isBuffer(data) && data.length > 0
        ? { value: data }
        : { error: new Error('The body must be an image.') };
  }
  const validate = paramsAjv.compile(schema as object);
  return (data: unknown) =>
    validate(data) ? { value: data } : { error: new Error(paramsAjv.errorsText(validate.errors)) };
};

/**
 * Inspectors' findings (issue 7): recorded in the market, often offline, synced later exactly once.
 * The device makes each finding's id (and each photo's), so a retry after a lost answer stores
 * nothing twice: the id is the key, and `Idempotency-Key` replays the first answer too. A finding
 * with a problem opens (or joins) a case in the office's queue in the same transaction.
 */
const findingsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addContentTypeParser(
    [...PHOTO_TYPES],
    { parseAs: 'buffer', bodyLimit: MAX_PHOTO_UPLOAD_BYTES },
    (_req, body, done) => done(null, body),
  );

  app.post(
    '/api/v1/findings',
    {
      config: { access: [...RECORDERS], idempotent: true },
      schema: {
        tags: ['findings'],
        operationId: 'createFinding',
        summary:
          'Record a finding (device-made id): 201 when stored, 200 with the stored finding when this id was already received',
        description:
          'Exactly-once sync: the id is made by the device when the inspector records the finding, offline or not; sending it again returns the stored finding and changes nothing. A finding whose outcome is not `compliant` opens or joins a case in the office queue.',
        security: bearer,
        headers: IdempotencyHeaders,
        body: FindingCreate,
        response: { 200: named(Finding), 201: named(Finding), ...errors(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const b = request.body;
      const existing = await findingOwner(app.db, b.id);
      if (existing) {
        if (existing.inspectorId !== user.id) {
          throw new AppError('conflict', `Finding ${b.id} was recorded by another account.`);
        }
        return reply.code(200).send((await getFinding(app.db, user, b.id))!);
      }
      if (b.adminUnitId && !(await unitExists(app.db, b.adminUnitId))) {
        throw new AppError('unprocessable', `adminUnitId ${b.adminUnitId} is not an administrative unit.`);
      }
      if (((b.latitude ?? null) === null) !== ((b.longitude ?? null) === null)) {
        throw new AppError('unprocessable', 'Send both latitude and longitude, or neither.');
      }
      const code = b.code?.trim() || null;
      const codePath = codePathOf(code);
      const record = codePath ? await codeRecord(app.db, codePath) : null;
      let productId = record?.productId ?? b.productId ?? null;
      if (productId && !record) {
        const p = await app.db
          .selectFrom('products')
          .select('id')
          .where('id', '=', productId)
          .executeTakeFirst();
        if (!p) productId = null;
      }
      const observed = Date.parse(b.observedAt);
      const observedAt = observed > Date.now() + FUTURE_SKEW_MS ? new Date().toISOString() : b.observedAt;
      const outcome = b.outcome;
      const verdict = b.verdict;

      const stored = await withActor(app.db, user.id, async (trx) => {
        const inserted = await insertFinding(trx, {
          id: b.id,
          inspectorId: user.id,
          sessionId: b.sessionId,
          observedAt,
          code,
          codePath,
          verdict,
          verdictSource: verdict === 'not_scanned' ? 'none' : (b.verdictSource ?? 'online'),
          productId,
          batchId: record?.batchId ?? null,
          certifiedStars: b.certifiedStars ?? null,
          printedStars: b.printedStars ?? null,
          outcome,
          place: b.place?.trim() || null,
          adminUnitId: b.adminUnitId ?? null,
          latitude: b.latitude ?? null,
          longitude: b.longitude ?? null,
          note: b.note?.trim() || null,
        });
        if (!inserted) return false;
        if (outcome !== 'compliant') {
          const product = productId
            ? await trx
                .selectFrom('products')
                .select('name_vi')
                .where('id', '=', productId)
                .executeTakeFirst()
            : undefined;
          const opened = await openOrJoinCase(trx, {
            kind: caseKindOf(outcome, verdict),
            title: `${OUTCOME_LABEL[outcome]?.vi ?? outcome}${product ? ` — ${product.name_vi}` : ''}`,
            priority:
              COUNTERFEIT_VERDICTS.has(verdict) || outcome === 'counterfeit_suspected' ? 'high' : 'normal',
            codePath,
            productId,
            batchId: record?.batchId ?? null,
            adminUnitId: b.adminUnitId ?? null,
            signals: {
              source: 'finding',
              verdict,
              outcome,
              printedStars: b.printedStars ?? null,
              certifiedStars: b.certifiedStars ?? null,
            },
            openedBy: user.id,
          });
          await linkToCase(trx, opened.id, user.id, { findingIds: [b.id] });
        }
        return true;
      });
      const finding = await getFinding(app.db, user, b.id);
      if (!finding) throw new Error(`finding ${b.id} not readable after insert`);
      if (!stored && finding.inspector.id !== user.id) {
        throw new AppError('conflict', `Finding ${b.id} was recorded by another account.`);
      }
      return reply.code(stored ? 201 : 200).send(finding);
    },
  );

  app.get(
    '/api/v1/findings',
    {
      config: { access: [...READERS] },
      schema: {
        tags: ['findings'],
        operationId: 'listFindings',
        summary: 'Findings, newest first: your own (inspector), your area (officer), all (admin)',
        security: bearer,
        querystring: FindingQuery,
        response: { 200: named(FindingPage), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listFindings(app.db, currentUser(request), q);
      return pageOf(items, total, q);
    },
  );

  app.get(
    '/api/v1/findings/report',
    {
      config: { access: [...READERS] },
      schema: {
        tags: ['findings'],
        operationId: 'exportFindingsReport',
        summary: "A session's (or a period's) findings as CSV or PDF, Vietnamese first",
        description:
          'CSV: UTF-8 with BOM, RFC 4180, one row per finding. PDF: A4 with embedded fonts and the photos. Up to 2000 findings.',
        security: bearer,
        querystring: FindingReportQuery,
        produces: ['text/csv', 'application/pdf'],
        response: {
          200: Binary('text/csv (format=csv) or application/pdf (format=pdf)'),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const q = request.query;
      const lang = q.lang ?? 'vi';
      if (!q.sessionId && !q.from) {
        throw new AppError('bad_request', 'Name the session (sessionId) or a period (from, to).');
      }
      const items = await findingsForReport(app.db, user, q, REPORT_CAP);
      const stamp = new Date().toISOString().slice(0, 10);
      const name = `bien-ban-kiem-tra-${stamp}${q.sessionId ? `-${q.sessionId.slice(0, 8)}` : ''}`;
      if (q.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.csv"`)
          .send(findingsCsv(items, lang));
      }
      const photoIds = items.flatMap((f) => f.photos.map((p) => p.id)).slice(0, REPORT_PHOTO_CAP);
      const rows =
        photoIds.length === 0
          ? []
          : await app.db
              .selectFrom('finding_photos')
              .select(['id', 'finding_id', 'data'])
              .where('id', 'in', photoIds)
              .execute();
      const photos: ReportPhoto[] = [];
      for (const id of photoIds) {
        const r = rows.find((x) => x.id === id);
        if (r) photos.push({ findingId: r.finding_id, data: await thumbnail(Buffer.from(r.data)) });
      }
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${name}.pdf"`)
        .send(findingsPdf(items, photos, { lang, sessionId: q.sessionId ?? null, madeAt: new Date() }));
    },
  );

  app.get(
    '/api/v1/findings/:id',
    {
      config: { access: [...READERS] },
      schema: {
        tags: ['findings'],
        operationId: 'getFinding',
        summary: 'One finding with its photos and case',
        security: bearer,
        params: IdParams,
        response: { 200: named(Finding), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const f = await getFinding(app.db, currentUser(request), request.params.id);
      if (!f) throw new AppError('not_found', `No finding ${request.params.id} that you may see.`);
      return f;
    },
  );

  app.put(
    '/api/v1/findings/:id/photos/:photoId',
    {
      config: { access: [...RECORDERS] },
      bodyLimit: MAX_PHOTO_UPLOAD_BYTES,
      validatorCompiler: rawImageBody,
      schema: {
        tags: ['findings'],
        operationId: 'putFindingPhoto',
        summary:
          'Upload an evidence photo (device-made photo id): re-encoded to WebP, at most 1600 px, all metadata (EXIF, GPS) removed',
        description: `Body: the image bytes as image/jpeg, image/png or image/webp, up to ${MAX_PHOTO_UPLOAD_BYTES / 1024 / 1024} MB; ${MAX_PHOTOS_PER_FINDING} photos per finding. PUT again with the same photo id: 200 and nothing changes.`,
        security: bearer,
        params: PhotoParams,
        consumes: [...PHOTO_TYPES],
        body: Binary('The photo'),
        response: {
          200: named(FindingPhoto),
          201: named(FindingPhoto),
          ...errors(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const { id, photoId } = request.params;
      const owner = await findingOwner(app.db, id);
      if (!owner || (user.role !== 'admin' && owner.inspectorId !== user.id)) {
        throw new AppError('not_found', `No finding ${id} of yours.`);
      }
      const url = `/api/v1/findings/${id}/photos/${photoId}`;
      const same = await app.db
        .selectFrom('finding_photos')
        .select(['id', 'finding_id', 'width', 'height', 'bytes', 'sha256'])
        .where('id', '=', photoId)
        .executeTakeFirst();
      if (same) {
        if (same.finding_id !== id)
          throw new AppError('conflict', `Photo ${photoId} belongs to another finding.`);
        return reply.code(200).send({
          id: photoId,
          width: same.width,
          height: same.height,
          bytes: same.bytes,
          sha256: same.sha256,
          url,
        });
      }
      if (owner.photos >= MAX_PHOTOS_PER_FINDING) {
        throw new AppError('conflict', `A finding holds at most ${MAX_PHOTOS_PER_FINDING} photos.`);
      }
      const photo = await reencodePhoto(request.body as Buffer);
      const row = await app.db
        .insertInto('finding_photos')
        .values({
          id: photoId,
          finding_id: id,
          content_type: 'image/webp',
          width: photo.width,
          height: photo.height,
          bytes: photo.data.length,
          sha256: photo.sha256,
          data: photo.data,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      return reply.code(row ? 201 : 200).send({
        id: photoId,
        width: photo.width,
        height: photo.height,
        bytes: photo.data.length,
        sha256: photo.sha256,
        url,
      });
    },
  );

  app.get(
    '/api/v1/findings/:id/photos/:photoId',
    {
      config: { access: [...READERS] },
      schema: {
        tags: ['findings'],
        operationId: 'getFindingPhoto',
        summary: 'An evidence photo (WebP)',
        security: bearer,
        params: PhotoParams,
        produces: ['image/webp'],
        response: { 200: Binary('image/webp'), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const { id, photoId } = request.params;
      if (!(await getFinding(app.db, user, id)))
        throw new AppError('not_found', `No finding ${id} that you may see.`);
      const row = await app.db
        .selectFrom('finding_photos')
        .select(['data', 'sha256'])
        .where('id', '=', photoId)
        .where('finding_id', '=', id)
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', `No photo ${photoId} of finding ${id}.`);
      return reply.type('image/webp').header('etag', `"${row.sha256}"`).send(Buffer.from(row.data));
    },
  );
};

export default findingsRoutes;
