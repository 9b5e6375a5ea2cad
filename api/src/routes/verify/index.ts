import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  BATCH_SCANS_PER_UNIT,
  CLONE_WINDOW_DAYS,
  normaliseOrigin,
  parseCode,
  verifyCode,
  type ParsedCode,
  type RegistryInput,
  type ScanHistory,
} from '@ocop/domain';
import type { Config } from '../../config.ts';
import { toPublicKeyInfo } from '../../plugins/keys.ts';
import { problems } from '../common-schemas.ts';
import { named } from '../codes/schemas.ts';
import {
  certificateView,
  deviceHasher,
  findCodeRecord,
  liveRegistry,
  pastBatchScans,
  pastScans,
  printedOrigins,
  recordScan,
  uaClass,
  withThisScan,
  type CodeRecord,
} from './queries.ts';
import { VerifyBody, VerifyResponse } from './schemas.ts';

/** How often the list of origins codes were printed for is re-read. */
const ORIGINS_TTL_MS = 10 * 60_000;

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
  let origins: { at: number; list: string[] } = { at: 0, list: [configured] };

  async function acceptedOrigins(): Promise<string[]> {
    if (Date.now() - origins.at > ORIGINS_TTL_MS) {
      try {
        const printed = await printedOrigins(app.db);
        origins = { at: Date.now(), list: [...new Set([configured!, ...printed])] };
      } catch {
        origins = { at: Date.now() - ORIGINS_TTL_MS + 5_000, list: origins.list };
      }
    }
    return origins.list;
  }

  app.post(
    '/api/v1/verify',
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
    async (request) => {
      const now = new Date();
      const { code: text, deviceId, area: rawArea, location } = request.body;
      const deviceHash = deviceId === undefined ? null : hashDevice(deviceId);
      const area = rawArea?.trim() || null;
      const list = await acceptedOrigins();

      // Keys are cached; a `k` nobody has may be a key another process just made: re-read once.
      let keyRecords = await app.keys.all();
      const pre = parseCode(text, list);
      if (pre.ok && !keyRecords.some((k) => k.keyRef === pre.code.keyRef)) {
        keyRecords = await app.keys.refreshSoon().catch(() => keyRecords);
      }

      let record: CodeRecord | null = null;
      const registry = async (code: ParsedCode): Promise<RegistryInput> => {
        record = await findCodeRecord(app.dbHandle, code.path);
        return liveRegistry(record);
      };
      let history: (ScanHistory & { last: string }) | null = null;
      const readHistory = async (code: ParsedCode): Promise<ScanHistory | null> => {
        const rec = record;
        const past =
          code.kind === 'batch'
            ? await pastBatchScans(app.db, code.path, (rec?.units ?? 0) * BATCH_SCANS_PER_UNIT + 1)
            : await pastScans(app.db, code.path, deviceHash, area);
        history = withThisScan(past, deviceHash, area, now);
        return history;
      };

      const result = await verifyCode({
        text,
        keys: keyRecords.map(toPublicKeyInfo),
        registry,
        history: readHistory,
        now,
        origins: list,
      });

      if (result.code) {
        try {
          await recordScan(app.db, {
            path: result.code.path,
            verdict: result.verdict,
            signed: result.key !== undefined,
            deviceHash,
            area,
            location: location ? { lat: location.lat, lng: location.lng } : null,
            uaClass: uaClass(request.headers['user-agent']),
            scannedAt: now,
          });
        } catch (err) {
          request.log.warn({ err: (err as Error).message }, 'scan not recorded');
        }
      }

      const rec = record as CodeRecord | null;
      const signed = result.key !== undefined && rec !== null;
      const hist = history as (ScanHistory & { last: string }) | null;
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
        checkedAt: now.toISOString(),
      };
    },
  );
};

export default verify;
