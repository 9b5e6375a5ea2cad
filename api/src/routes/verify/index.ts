import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox, Static } from '@fastify/type-provider-typebox';
import {
  batchScanLimit,
  isoInstant,
  todayInVietnam,
  CLONE_WINDOW_DAYS,
  normaliseOrigin,
  parseCode,
  verifyCode,
  type ParsedCode,
  type PublicKeyInfo,
  type RegistryInput,
  type ScanHistory,
  type VerifyResult,
} from '@ocop/domain';
import type { Config } from '../../config.ts';
import { toPublicKeyInfo, type KeyRecord } from '../../plugins/keys.ts';
import { problems } from '../common-schemas.ts';
import { named } from '../codes/schemas.ts';
import {
  certificateView,
  codeRecordOf,
  countBatchScans,
  deviceHasher,
  findBatchRecord,
  findCode,
  liveRegistry,
  printedOrigins,
  uaClass,
  unitCodeFinder,
  withThisScan,
  type CodeRecord,
  type CodeRow,
  type PastScans,
} from './queries.ts';
import { Lru } from './hot.ts';
import { VerifyBody, VerifyResponse } from './schemas.ts';
import { VERIFY_PATH, VerifyLane, type LaneAnswer } from './lane.ts';

/** How often the list of origins codes were printed for is re-read. */
const ORIGINS_TTL_MS = 10 * 60_000;

type VerifyAnswer = Static<typeof VerifyResponse>;

/**
 * Where a kept answer takes this scan's count: digits that appear nowhere else in an answer (a
 * template is kept only after it rendered the real answer byte for byte, so a clash is harmless).
 */
const SCANS_MARK = 8_765_432_101_234_567;
const TIME_MARK = '@checkedAt@';

/**
 * A serialized answer with two holes: the scan count (between pieces), then the time of the check.
 * Kept as its UTF-8 bytes held in one-byte strings (each character one byte, `latin1`): an answer
 * names Vietnamese places and products, and encoding its 3–4 KB on every scan cost more than
 * everything else the kept answer saves; joined as strings, a rendered answer is one V8 string
 * (no buffer to allocate) that the socket writes byte for byte together with the headers.
 */
interface AnswerTemplate {
  verdict: VerifyAnswer['verdict'];
  /** UTF-8 bytes, one character each. */
  pieces: string[];
  /** `"` + the time + this: the time is ASCII, written in between. */
  tail: string;
}

/** A text's UTF-8 bytes, one character each. */
function bytesOf(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** The template of an answer; `counted`: it must show the scan count (the mark) at least once. */
function templateOf(answer: VerifyAnswer, counted: boolean): AnswerTemplate | null {
  const [head, tail, ...rest] = JSON.stringify({ ...answer, checkedAt: TIME_MARK }).split(`"${TIME_MARK}"`);
  if (head === undefined || tail === undefined || rest.length > 0) return null;
  const texts = head.split(String(SCANS_MARK));
  if (counted ? texts.length < 2 : texts.length !== 1) return null;
  return { verdict: answer.verdict, pieces: texts.map(bytesOf), tail: bytesOf(tail) };
}

/**
 * The answer of a template for this scan, its count and the time of the check (both ASCII), as
 * UTF-8 bytes in a one-byte string (`Buffer.from(answer, 'latin1')` gives the bytes).
 */
function render(t: AnswerTemplate, scans: number, checkedAt: string): string {
  const count = String(scans);
  let out = t.pieces[0]!;
  for (let i = 1; i < t.pieces.length; i++) out += count + t.pieces[i]!;
  return `${out}"${checkedAt}"${t.tail}`;
}

/** The JSON of frozen parts of answers (a batch's product, producer, zones, events; plain checks). */
const frozenJson = new WeakMap<object, string>();

/** `JSON.stringify(value)`, made once for a frozen object. */
function jsonOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || !Object.isFrozen(value)) return JSON.stringify(value);
  let text = frozenJson.get(value);
  if (text === undefined) frozenJson.set(value, (text = JSON.stringify(value)));
  return text;
}

/**
 * `JSON.stringify(answer)`, byte for byte (same keys in the same order, undefined ones left
 * out), but the parts an answer shares with others — frozen: its batch's product, producer,
 * zones and events, the checks without details — serialized once: serializing a 3–4 KB answer
 * of Vietnamese text was the largest single part of a first scan's work on the main thread.
 */
export function answerJson(answer: VerifyAnswer): string {
  let out = '';
  for (const key in answer) {
    const value = answer[key as keyof VerifyAnswer];
    let text: string | undefined;
    if (key === 'checks') {
      const checks = value as VerifyAnswer['checks'];
      text = '[';
      for (let i = 0; i < checks.length; i++) text += (i === 0 ? '' : ',') + (jsonOf(checks[i]) ?? 'null');
      text += ']';
    } else {
      text = jsonOf(value);
    }
    if (text !== undefined) out += `${out === '' ? '{' : ','}${JSON.stringify(key)}:${text}`;
  }
  return out === '' ? '{}' : `${out}}`;
}

/** The answer with the copy check's scan count replaced by the mark. */
function withScansMarked(answer: VerifyAnswer): VerifyAnswer {
  return {
    ...answer,
    checks: answer.checks.map((c) =>
      c.id === 'copy_batch_scans' ? { ...c, evidence: { ...c.evidence, scans: SCANS_MARK } } : c,
    ),
  };
}

/** What every kept answer was computed from: the keys, the accepted origins and the day. */
interface Inputs {
  keys: readonly unknown[];
  origins: readonly string[];
  day: string;
}

const sameInputs = (a: Inputs, b: Inputs): boolean =>
  a.keys === b.keys && a.origins === b.origins && a.day === b.day;

/** What a batch code's kept answers were computed from: they stand while all four are unchanged. */
interface Basis extends Inputs {
  generation: number;
}

const sameBasis = (a: Basis, b: Basis): boolean => a.generation === b.generation && sameInputs(a, b);

/**
 * The answers for a batch code, kept for the scans that follow: a batch code's answer shows no
 * device or area, so until the registry, the keys, the accepted origins or the day change, the
 * next scan differs only in its count (the `copy_batch_scans` check) and its time. Which of two
 * answers applies depends on the count alone: `within` the batch's limit, or `over` it (a copied
 * label scanned again and again is answered as cheaply as a genuine one). Anything else
 * recomputes the answer.
 */
interface KeptAnswers extends Basis {
  path: string;
  /** Scans up to which the `within` answer stands (batchScanLimit of the batch's units). */
  limit: number;
  within?: AnswerTemplate;
  over?: AnswerTemplate;
}

/**
 * The answer of a code whose signature does not match a key we have: it depends on the text, the
 * keys and the accepted origins only (no registry, no count), so a counterfeit label printed on
 * every fake pack and scanned again and again is answered without checking it again. Not kept:
 * a code naming a key we do not have (the next scan must look for a key made since), nor one
 * refused by what the registry says (a revoked key, a code never issued).
 */
interface KeptForgery extends Inputs {
  path: string;
  answer: AnswerTemplate;
}

/**
 * Sends JSON already serialized from a `VerifyAnswer`. The answer is built field by field, so
 * nothing unlisted can leak, and the route's schema documents its shape; its serializer weighed
 * every nullable branch with Ajv at run time, which cost more than the verification itself.
 */
function sendSerialized(reply: FastifyReply, body: string | Buffer): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(body);
}

/** What the answer shows of a verification (DESIGN "What a verification says"). */
function answerOf(
  result: VerifyResult,
  rec: CodeRecord | null,
  hist: (ScanHistory & { last: string }) | null,
  now: Date,
): VerifyAnswer {
  const signed = result.key !== undefined && rec !== null;
  const c = result.code;
  return {
    verdict: result.verdict,
    checks: result.checks,
    code: c
      ? {
          kind: c.kind,
          url: c.canonical,
          gtin: c.gtin,
          productRef: c.productRef,
          lot: c.lot,
          serial: c.serial,
          keyRef: c.keyRef,
        }
      : null,
    key: result.key ?? null,
    product: signed && rec ? rec.product : null,
    producer: signed && rec ? rec.producer : null,
    certificate: signed && rec ? certificateView(rec, now) : null,
    batch:
      signed && rec
        ? {
            lot: rec.batch.lot,
            serial: rec.serial,
            producedOn: rec.batch.producedOn,
            bestBefore: rec.batch.bestBefore,
            quantity: rec.batch.quantity,
            unit: rec.batch.unit,
            status: rec.batch.status,
            recallReason: rec.batch.recallReason,
            recalledAt: rec.batch.recalledAt,
            issuedAt: rec.issuedAt,
          }
        : null,
    zones: signed && rec ? rec.zones : [],
    events: signed && rec ? rec.events : [],
    scanHistory:
      signed && rec?.kind === 'unit' && hist
        ? {
            count: hist.totalScans,
            first: hist.firstScannedAt,
            last: hist.last,
            devices: hist.distinctDevices,
            areas: hist.distinctAreas,
            windowDays: CLONE_WINDOW_DAYS,
          }
        : null,
    checkedAt: isoInstant(now),
  };
}

/**
 * `POST /api/v1/verify` (DESIGN "What a verification says"): the verdict of the pure verifier
 * (packages/domain verify.ts) with what the registry knows about the code — product, producer,
 * certificate, batch, zones with official codes, value-chain events, and the scan history of a
 * unit code. Public and rate-limited per client (plugins/security.ts sets the route's limit).
 *
 * Never a 5xx for any input: malformed or forged text answers 200 with `unknown` or `forged`; when
 * the database is down, a code whose signature verifies answers `status_unknown` (keys are cached
 * in memory). Every parsed code's scan is recorded without IP address: a keyed hash of the
 * client's device id, a coarse area, a user-agent class, and a precise location only with consent.
 */
const verify: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, opts) => {
  const configured = normaliseOrigin(opts.config.publicBaseUrl);
  if (configured === null) throw new Error('PUBLIC_BASE_URL is not an http(s) origin');
  const hashDevice = deviceHasher(app.secrets.keyEncryptionKey);
  const hot = app.verifyHot;
  const answers = new Lru<string, KeptAnswers>(10_000);
  // Apart, so that a flood of distinct forgeries never pushes out the genuine batch codes.
  const forgeries = new Lru<string, KeptForgery>(2_000);
  const findUnit = unitCodeFinder(app.dbHandle);
  // The key list changes identity only when it is read again.
  const publicKeys = new WeakMap<readonly KeyRecord[], PublicKeyInfo[]>();
  const publicKeysOf = (records: readonly KeyRecord[]): PublicKeyInfo[] => {
    let infos = publicKeys.get(records);
    if (!infos) publicKeys.set(records, (infos = records.map(toPublicKeyInfo)));
    return infos;
  };
  let origins: { at: number; list: string[] } = { at: 0, list: [configured] };

  /** The accepted origins if read within ORIGINS_TTL_MS, else null. */
  const freshOrigins = (): string[] | null =>
    Date.now() - origins.at > ORIGINS_TTL_MS ? null : origins.list;

  async function acceptedOrigins(): Promise<string[]> {
    if (freshOrigins() === null) {
      try {
        const printed = await printedOrigins(app.db);
        origins = { at: Date.now(), list: [...new Set([configured!, ...printed])] };
      } catch {
        origins = { at: Date.now() - ORIGINS_TTL_MS + 5_000, list: origins.list };
      }
    }
    return origins.list;
  }

  /** What is stored of this scan (no IP address; DESIGN, privacy). */
  function scanOf(body: VerifyBody, userAgent: string | undefined, now: Date) {
    const { deviceId, area, location } = body;
    return {
      deviceHash: deviceId === undefined ? null : hashDevice(deviceId),
      area: area?.trim() || null,
      location: location ? { lat: location.lat, lng: location.lng } : null,
      uaClass: uaClass(userAgent),
      scannedAt: now,
    };
  }

  /** A batch code's scan count from the database (once at a time per code), kept. */
  const readBatchCount = (path: string, cap: number): Promise<number> =>
    hot.batchCounts.read(
      path,
      cap,
      async () => (await countBatchScans(app.db, path, cap)) + hot.scans.pendingFor(path),
    );

  /**
   * A batch code's kept scan count, or undefined when none is kept. One past its time to live
   * still answers, and is read again behind this scan (once, however many scans ask).
   */
  const keptBatchCount = (path: string, cap: number): number | undefined => {
    const known = hot.batchCounts.lookup(path, cap);
    if (known?.stale) void readBatchCount(path, cap).catch(() => undefined);
    return known?.count;
  };

  /**
   * The answer kept for this scan — a batch code scanned again, with this scan's count, or the same
   * forgery again — rendered, with the scan recorded; null when the answer must be computed. Both
   * the handler and the fast lane (lane.ts) answer from here, so what is kept, and for how long, is
   * decided in one place.
   */
  function keptAnswer(
    body: VerifyBody,
    userAgent: string | undefined,
    keyRecords: readonly KeyRecord[],
    list: readonly string[],
    now: Date,
  ): LaneAnswer | null {
    const text = body.code;
    const day = todayInVietnam(now);
    const kept = answers.get(text);
    if (
      kept !== undefined &&
      sameBasis(kept, { generation: hot.registry.generation, keys: keyRecords, origins: list, day }) &&
      hot.registry.watch.live
    ) {
      const count = keptBatchCount(kept.path, kept.limit + 1);
      const scans = count === undefined ? 0 : count + 1;
      const template = scans === 0 ? undefined : scans <= kept.limit ? kept.within : kept.over;
      if (template !== undefined) {
        hot.scans.add({
          path: kept.path,
          verdict: template.verdict,
          signed: true,
          ...scanOf(body, userAgent, now),
        });
        hot.batchCounts.add(kept.path);
        return {
          body: render(template, scans, isoInstant(now)),
          encoding: 'latin1',
          verdict: template.verdict,
        };
      }
    }
    // The same forgery again (a counterfeit label): its answer with this scan's time.
    const forgery = forgeries.get(text);
    if (forgery !== undefined && sameInputs(forgery, { keys: keyRecords, origins: list, day })) {
      hot.scans.add({
        path: forgery.path,
        verdict: 'forged',
        signed: false,
        ...scanOf(body, userAgent, now),
      });
      return { body: render(forgery.answer, 0, isoInstant(now)), encoding: 'latin1', verdict: 'forged' };
    }
    return null;
  }

  /**
   * The answer to a scan, with the scan recorded: the kept answer if there is one, else computed
   * (the registry, the signature, the scan history). The route's handler and the fast lane both
   * answer with this.
   */
  async function answerFor(body: VerifyBody, userAgent: string | undefined, now: Date): Promise<LaneAnswer> {
    const list = await acceptedOrigins();
    // Keys are cached; a `k` nobody has may be a key another process just made: re-read once.
    let keyRecords = await app.keys.all();
    const kept = keptAnswer(body, userAgent, keyRecords, list, now);
    if (kept !== null) return kept;

    const generation = hot.registry.generation;
    const day = todayInVietnam(now);
    const text = body.code;
    const scan = scanOf(body, userAgent, now);
    const { deviceHash, area } = scan;
    const pre = parseCode(text, list);
    if (pre.ok && !keyRecords.some((k) => k.keyRef === pre.code.keyRef)) {
      keyRecords = await app.keys.refreshSoon().catch(() => keyRecords);
    }

    let record: CodeRecord | null = null;
    let past: PastScans | null = null;
    const registry = async (code: ParsedCode): Promise<RegistryInput> => {
      // The code's own row, then its batch's record (cached until the registry changes). A
      // batch code's row is cached for good once read. A unit code's comes with its earlier
      // scans in the one round trip its history needs anyway, so it is not kept: keeping it
      // would only fill the heap with rows never read again (one per unit code scanned).
      let row: CodeRow | null | undefined;
      if (code.kind === 'unit') {
        if (hot.scans.pendingFor(code.path) > 0) await hot.scans.flush();
        const found = await findUnit(code.path, deviceHash, area);
        row = found?.code ?? null;
        past = found?.past ?? null;
      } else {
        row = hot.registry.codes.get(code.path);
        if (row === undefined) {
          row = await findCode(app.dbHandle, code.path);
          if (row) hot.registry.codes.set(code.path, row);
        }
      }
      if (!row) return liveRegistry(null);
      let batch = hot.registry.batch(row.batchId);
      if (batch === undefined) {
        const generation = hot.registry.generation;
        const read = await findBatchRecord(app.dbHandle, row.batchId);
        if (read === null) return liveRegistry(null);
        hot.registry.keepBatch(row.batchId, read, generation);
        batch = read;
      }
      record = codeRecordOf(row, batch);
      return liveRegistry(record);
    };
    let history: (ScanHistory & { last: string }) | null = null;
    const readHistory = async (code: ParsedCode): Promise<ScanHistory | null> => {
      const rec = record;
      if (code.kind === 'batch') {
        // Counted here after one read (a batch code can be scanned thousands of times a day).
        // Read up to one past the batch's limit: beyond it, only "past the limit" matters.
        const cap = batchScanLimit(rec?.units ?? 0) + 1;
        const total = keptBatchCount(code.path, cap) ?? (await readBatchCount(code.path, cap));
        past = { total, first: null, last: null, devices: 0, areas: 0, seenDevice: false, seenArea: false };
      }
      if (past === null) return null;
      history = withThisScan(past, deviceHash, area, now);
      return history;
    };

    const input = {
      text,
      parsed: pre,
      keys: publicKeysOf(keyRecords),
      registry,
      history: readHistory,
      now,
      origins: list,
      verifySignature: hot.verifySignature,
    };
    const result = await verifyCode(input);

    if (result.code) {
      const signed = result.key !== undefined;
      hot.scans.add({ path: result.code.path, verdict: result.verdict, signed, ...scan });
      if (signed && result.code.kind === 'batch') hot.batchCounts.add(result.code.path);
    }

    const rec = record as CodeRecord | null;
    const hist = history as (ScanHistory & { last: string }) | null;
    const answer = answerOf(result, rec, hist, now);
    const json = answerJson(answer);

    // Kept for the next scans of this batch code when nothing in it depends on more than the count.
    const copyCheck = result.checks.find((c) => c.id === 'copy_batch_scans');
    if (
      result.code?.kind === 'batch' &&
      rec !== null &&
      hist !== null &&
      result.key !== undefined &&
      copyCheck !== undefined &&
      result.verdict !== 'status_unknown' &&
      generation === hot.registry.generation
    ) {
      let marked: VerifyAnswer;
      if (copyCheck.ok) {
        marked = withScansMarked(answer);
      } else {
        // Past the limit the count is in the check's words too: the verifier writes the mark there.
        const over = await verifyCode({
          ...input,
          registry: async () => liveRegistry(rec),
          history: async () => ({ ...hist, totalScans: SCANS_MARK }),
        });
        marked = answerOf(over, rec, hist, now);
      }
      const template = templateOf(marked, true);
      if (template !== null && render(template, hist.totalScans, answer.checkedAt) === bytesOf(json)) {
        const basis: Basis = { generation, keys: keyRecords, origins: list, day };
        const same = answers.get(text);
        const entry: KeptAnswers =
          same !== undefined && sameBasis(same, basis)
            ? same
            : { ...basis, path: result.code.path, limit: batchScanLimit(rec.units) };
        entry[copyCheck.ok ? 'within' : 'over'] = template;
        answers.set(text, entry);
      }
    }
    if (
      result.verdict === 'forged' &&
      result.code &&
      result.checks.some((c) => c.id === 'signature' && !c.ok)
    ) {
      const template = templateOf(answer, false);
      if (template !== null && render(template, 0, answer.checkedAt) === bytesOf(json)) {
        forgeries.set(text, {
          keys: keyRecords,
          origins: list,
          day,
          path: result.code.path,
          answer: template,
        });
      }
    }
    return { body: json, encoding: 'utf8', verdict: result.verdict };
  }

  // Requests the route answered, until the lane has learned the route's headers from one of them.
  const routeServed = new WeakSet<object>();
  const lane = new VerifyLane({
    answer: (body, userAgent, now) => {
      const keys = app.keys.fresh();
      const list = freshOrigins();
      return keys === null || list === null ? null : keptAnswer(body, userAgent, keys, list, now);
    },
    compute: answerFor,
    limiter: () => app.rateLimiters.route('POST', VERIFY_PATH),
    noteVerdict: (ip, verdict) => app.noteVerifyVerdict(ip, verdict),
    trustProxy: opts.config.trustedProxies.length > 0 ? opts.config.trustedProxies : false,
    log: app.log,
  });
  hot.lane = lane;
  if (opts.config.verifyLane) {
    app.addHook('onResponse', (request, reply, done) => {
      if (reply.statusCode === 200 && routeServed.has(request)) lane.learn(reply.raw.getHeaders());
      done();
    });
    app.addHook('onReady', (done) => {
      lane.install(app.server);
      done();
    });
    app.addHook('preClose', (done) => {
      lane.close();
      done();
    });
  }

  app.post(
    VERIFY_PATH,
    {
      config: { access: 'public' },
      schema: {
        tags: ['verify'],
        operationId: 'verifyCode',
        summary: 'The verdict for a scanned code, with the checks behind it and what the registry knows',
        description:
          'Answers 200 for any text: `unknown` when it is not an OCOP Trace code, `forged` when it was altered ' +
          'or its signature does not verify. See docs/code-format.md for the code and DESIGN for the verdicts.',
        body: VerifyBody,
        response: { 200: named(VerifyResponse), ...problems(400, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const answer = await answerFor(request.body, request.headers['user-agent'], new Date());
      if (!lane.learned) routeServed.add(request);
      return sendSerialized(
        reply,
        answer.encoding === 'latin1' ? Buffer.from(answer.body, 'latin1') : answer.body,
      );
    },
  );
};

export default verify;
