import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { epcisQueryDocument, epcsOfEvent, parseEpc, preferredMediaType, type EpcRef } from '@ocop/domain';
import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { currentUser } from '../../plugins/auth.ts';
import { problems } from '../common-schemas.ts';
import { IdParams } from '../route-helpers.ts';
import { publicCors, publicDocumentConfig } from '../resolver/public-access.ts';
import {
  batchEpcis,
  findBatchIdentity,
  findBatchesByLot,
  findBatchesByRef,
  importEvents,
  issuedSerials,
} from './queries.ts';
import {
  EpcisDocument,
  EpcisImportBody,
  EpcisImportResult,
  EpcisQueryDocument,
  EventsQuery,
} from './schemas.ts';
import { validateEpcis } from './validate.ts';

/** A partner's document may be larger than an ordinary API body; its events are capped. */
const IMPORT_BODY_LIMIT = 2 * 1024 * 1024;
const MAX_IMPORT_EVENTS = 1000;
const MAX_QUERY_BATCHES = 20;

/** REST-binding headers of EPCIS 2.0 responses, and JSON-LD unless plain JSON is preferred. */
function sendEpcis(request: FastifyRequest, reply: FastifyReply, doc: Record<string, unknown>) {
  const type = preferredMediaType(request.headers.accept, ['application/ld+json', 'application/json']);
  return reply
    .header('gs1-epcis-version', '2.0.0')
    .header('gs1-cbv-version', '2.0.0')
    .header('vary', 'Accept')
    .header('cache-control', 'public, max-age=60')
    .type(`${type ?? 'application/ld+json'}; charset=utf-8`)
    .send(doc);
}

/** Every export is checked against the official schema; a failure is our bug, never sent. */
function assertValidExport(doc: unknown): void {
  const result = validateEpcis(doc);
  if (!result.ok) {
    throw new Error(
      `EPCIS export does not validate against the official schema: ${JSON.stringify(result.errors)}`,
    );
  }
}

function splitList(v: string | undefined): string[] {
  return v === undefined
    ? []
    : v
        .split('|')
        .map((s) => s.trim())
        .filter(Boolean);
}

function sameProduct(a: EpcRef, b: EpcRef): boolean {
  return a.gtin !== undefined
    ? a.gtin === b.gtin
    : a.productRef !== undefined && a.productRef === b.productRef;
}

/**
 * Does an event name one of `targets`? Same product, and: an EPC with a lot names the target of
 * that lot (a lot's events concern each of its units: our codes carry the lot); an EPC of a unit
 * without its lot (`/01/{gtin}/21/{serial}`, `urn:epc:id:sgtin:`) names the target of that serial.
 */
function eventNames(event: Record<string, unknown>, targets: readonly EpcRef[], origin: string): boolean {
  return refsOf(event, origin).some((r) =>
    targets.some(
      (t) =>
        sameProduct(r, t) &&
        (r.lot !== undefined ? r.lot === t.lot : r.serial !== undefined && r.serial === t.serial),
    ),
  );
}

function refsOf(event: Record<string, unknown>, origin: string): EpcRef[] {
  return epcsOfEvent(event)
    .map((e) => parseEpc(e, origin))
    .filter((r): r is EpcRef => r !== null);
}

function bizStepName(v: unknown): string {
  return typeof v === 'string'
    ? v.replace(/^urn:epcglobal:cbv:bizstep:/, '').replace(/^https?:\/\/ns\.gs1\.org\/cbv\/BizStep-/, '')
    : '';
}

/**
 * EPCIS 2.0 (issue 10): a batch's value chain as an EPCIS document, a minimal event query, and the
 * import of a partner's events into a batch. Every document we send or accept is validated
 * against the official EPCIS 2.0 JSON schema.
 *
 * The documents are public: they carry what a consumer sees on the verification page (product,
 * producer name, lot, dates, zones with their official codes, value-chain steps, the certificate
 * credential) and nothing private (no users, notes or partners' business transactions).
 */
const epcis: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, opts) => {
  const origin = opts.config.publicBaseUrl;

  // Public reads, readable from any origin.
  await app.register(async (scope) => {
    const pub = scope.withTypeProvider<TypeBoxTypeProvider>();
    publicCors(scope, ['/api/v1/batches/:id/epcis', '/api/v1/epcis/events']);

    pub.get(
      '/api/v1/batches/:id/epcis',
      {
        config: publicDocumentConfig,
        schema: {
          tags: ['epcis'],
          operationId: 'getBatchEpcis',
          summary: "A batch's value chain as an EPCIS 2.0 JSON-LD document",
          description:
            'Commissioning of the lot (with lot and best-before date as ILMD and `certificationInfo` pointing at the certificate credential), the transformation of raw material from its zones into the lot, and every recorded value-chain step (harvest, shipping, receiving…), including events imported from partners. The `gs1:traceability` link of the resolver points here. Extra query parameters (passed on by the resolver) are ignored.',
          params: IdParams,
          response: { 200: EpcisDocument, ...problems(400, 404) },
        },
      },
      async (request, reply) => {
        const doc = await batchEpcis(app.db, origin, request.params.id, new Date());
        if (!doc) throw new AppError('not_found', 'No batch has this id.');
        assertValidExport(doc);
        return sendEpcis(request, reply, doc);
      },
    );

    pub.get(
      '/api/v1/epcis/events',
      {
        config: { ...publicDocumentConfig, rateLimit: { max: 60, timeWindow: '1 minute' } },
        schema: {
          tags: ['epcis'],
          operationId: 'queryEpcisEvents',
          summary: 'Query EPCIS events by EPC, EPC class or lot (a subset of SimpleEventQuery)',
          description:
            'Answers an EPCIS 2.0 query document. Give at least one of MATCH_epc, MATCH_anyEPC, MATCH_epcClass, MATCH_anyEPCClass, EQ_epc or lot; EQ_bizStep, eventType, GE_eventTime and LT_eventTime narrow the result. At most 20 batches are searched.',
          querystring: EventsQuery,
          response: { 200: EpcisQueryDocument, ...problems(400, 429) },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const epcs = [
          ...splitList(q.MATCH_epc),
          ...splitList(q.MATCH_anyEPC),
          ...splitList(q.MATCH_epcClass),
          ...splitList(q.MATCH_anyEPCClass),
          ...splitList(q.EQ_epc),
        ];
        if (epcs.length === 0 && q.lot === undefined) {
          throw new AppError(
            'validation_failed',
            'Give at least one of MATCH_epc, MATCH_anyEPC, MATCH_epcClass, MATCH_anyEPCClass, EQ_epc or lot.',
          );
        }
        if (epcs.length > MAX_QUERY_BATCHES) {
          throw new AppError('validation_failed', `At most ${MAX_QUERY_BATCHES} identifiers per query.`);
        }
        const targets: EpcRef[] = [];
        for (const e of epcs) {
          const ref = parseEpc(e, origin);
          if (!ref) {
            throw new AppError(
              'validation_failed',
              `"${e.slice(0, 100)}" is not an EPC or EPC class this service understands (GS1 Digital Link URI, our code URL, urn:epc:class:lgtin or urn:epc:id:sgtin).`,
            );
          }
          targets.push(ref);
        }
        const batchIds = new Set<string>();
        for (const t of [...targets]) {
          for (const b of await findBatchesByRef(app.db, t)) {
            batchIds.add(b.id);
            // A unit named without its lot matches the events of the lot it was issued in.
            if (t.lot === undefined) targets.push({ ...t, lot: b.lot });
          }
        }
        if (q.lot !== undefined)
          for (const id of await findBatchesByLot(app.db, q.lot, q.gtin)) batchIds.add(id);

        const bizSteps = splitList(q.EQ_bizStep);
        const types = splitList(q.eventType);
        const from = q.GE_eventTime === undefined ? -Infinity : Date.parse(q.GE_eventTime);
        const to = q.LT_eventTime === undefined ? Infinity : Date.parse(q.LT_eventTime);
        const now = new Date();
        const seen = new Set<string>();
        const found: { time: number; event: Record<string, unknown> }[] = [];
        for (const id of [...batchIds].slice(0, MAX_QUERY_BATCHES)) {
          const doc = await batchEpcis(app.db, origin, id, now);
          const list =
            (doc?.epcisBody as { eventList?: Record<string, unknown>[] } | undefined)?.eventList ?? [];
          for (const event of list) {
            const time = Date.parse(String(event.eventTime));
            const key = typeof event.eventID === 'string' ? event.eventID : `${id}:${found.length}`;
            if (seen.has(key)) continue;
            if (targets.length > 0 && q.lot === undefined && !eventNames(event, targets, origin)) continue;
            if (bizSteps.length > 0 && !bizSteps.includes(bizStepName(event.bizStep))) continue;
            if (types.length > 0 && !types.includes(String(event.type))) continue;
            if (time < from || time >= to) continue;
            seen.add(key);
            found.push({ time, event });
          }
        }
        found.sort((a, b) => a.time - b.time);
        const doc = epcisQueryDocument(
          origin,
          now,
          found.map((f) => f.event),
        );
        assertValidExport(doc);
        return sendEpcis(request, reply, doc);
      },
    );
  });

  // Import: the batch's producer or an administrator, same origin only.
  await app.register(async (scope) => {
    const imp = scope.withTypeProvider<TypeBoxTypeProvider>();
    imp.addContentTypeParser(
      'application/ld+json',
      { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT },
      imp.getDefaultJsonParser('error', 'error'),
    );

    imp.post(
      '/api/v1/batches/:id/epcis',
      {
        config: { access: ['producer', 'admin'] },
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags: ['epcis'],
          operationId: 'importBatchEpcis',
          summary: "Import a partner's EPCIS 2.0 events into a batch's value chain",
          description:
            'Accepts `application/json` or `application/ld+json`, at most 2 MB and 1000 events. The document must validate against the official EPCIS 2.0 JSON schema (400 with the schema errors otherwise) and every event must name this batch (422 otherwise). Idempotent on eventID: events the batch already holds are reported as duplicates; events without an eventID are named by the SHA-256 of their JSON. Each new event becomes a value-chain step of the batch.',
          security: [{ bearerAuth: [] }],
          params: IdParams,
          body: EpcisImportBody,
          response: {
            200: EpcisImportResult,
            201: EpcisImportResult,
            ...problems(400, 401, 403, 404, 413, 415, 422),
          },
        },
      },
      async (request, reply) => {
        const user = currentUser(request);
        const batch = await findBatchIdentity(app.db, request.params.id);
        // Another producer's batch answers as if it did not exist.
        if (!batch || (user.role === 'producer' && user.producerId !== batch.producerId)) {
          throw new AppError('not_found', 'No batch of yours has this id.');
        }
        const doc = request.body as Record<string, unknown>;
        if (doc.type !== 'EPCISDocument' && doc.type !== 'EPCISQueryDocument') {
          throw new AppError('epcis_invalid', 'Send an EPCISDocument (or an EPCISQueryDocument).', {
            errors: [{ path: '/type', message: 'must be EPCISDocument or EPCISQueryDocument' }],
          });
        }
        const valid = validateEpcis(doc);
        if (!valid.ok) throw new AppError('epcis_invalid', undefined, { errors: valid.errors });

        const body = doc.epcisBody as {
          eventList?: Record<string, unknown>[];
          queryResults?: { resultsBody?: { eventList?: Record<string, unknown>[] } };
        };
        const events = body.eventList ?? body.queryResults?.resultsBody?.eventList ?? [];
        if (events.length > MAX_IMPORT_EVENTS) {
          throw new AppError('payload_too_large', `At most ${MAX_IMPORT_EVENTS} events per document.`);
        }
        const self: EpcRef =
          batch.gtin !== null
            ? { gtin: batch.gtin, lot: batch.lot }
            : { productRef: batch.productRef, lot: batch.lot };
        // Units named without their lot belong to this batch when their codes were issued for it.
        const unitSerials = events
          .flatMap((e) => refsOf(e, origin))
          .filter((r) => sameProduct(r, self) && r.lot === undefined && r.serial !== undefined)
          .map((r) => r.serial!);
        const units = [...(await issuedSerials(app.db, batch.id, unitSerials))].map((serial): EpcRef => ({
          ...self,
          lot: undefined,
          serial,
        }));
        const unrelated = events
          .map((e, index) => ({ index, eventID: typeof e.eventID === 'string' ? e.eventID : null, e }))
          .filter(({ e }) => !eventNames(e, [self, ...units], origin))
          .map(({ index, eventID }) => ({ index, eventID }));
        if (unrelated.length > 0) {
          throw new AppError(
            'epcis_unrelated_events',
            `${unrelated.length} of ${events.length} events name neither lot ${batch.lot} of this product nor its units.`,
            { events: unrelated.slice(0, 50) },
          );
        }
        const sender = typeof doc.sender === 'string' ? doc.sender : null;
        const outcomes = await app.db
          .transaction()
          .execute((trx) => importEvents(trx, batch.id, user.id, sender, events));
        const imported = outcomes.filter((o) => o.status === 'imported').length;
        return reply.code(imported > 0 ? 201 : 200).send({
          batchId: batch.id,
          received: events.length,
          imported,
          duplicates: outcomes.length - imported,
          events: outcomes,
        });
      },
    );
  });
};

export default epcis;
