import { createHmac, hkdfSync } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, DbHandle, UaClass } from '@ocop/db';
import {
  CLONE_WINDOW_DAYS,
  certificateStateOn,
  todayInVietnam,
  wasValidOn,
  type CertificateFacts,
  type LiveRegistry,
  type ScanHistory,
  type Verdict,
} from '@ocop/domain';
import { batchCertificateOf, currentCertificateOf, validityOf } from '../codes/queries.ts';

/** A certificate as the verification reads it (dates as `YYYY-MM-DD`, instants as ISO text). */
export interface CertificateRow {
  id: string;
  stars: number;
  level: string;
  authority: string;
  decision_no: string;
  decision_date: string;
  valid_from: string;
  valid_to: string;
  status: 'active' | 'superseded' | 'revoked';
  revoked_at: string | null;
  revocation_reason: string | null;
}

export interface ZoneView {
  scheme: string;
  code: string;
  issuer: string;
  name: string | null;
  cropOrSpecies: string;
  areaHa: string | null;
  status: string;
  commune: string | null;
}

export interface EventView {
  type: string;
  occurredAt: string | null;
  place: string | null;
  actor: string | null;
  note: string | null;
}

/** Everything the answer shows about an issued code, read from the registry. */
export interface CodeRecord {
  path: string;
  kind: 'batch' | 'unit';
  serial: string | null;
  kid: string;
  sig: string;
  issuedAt: string;
  batch: {
    id: string;
    lot: string;
    producedOn: string;
    bestBefore: string | null;
    quantity: string;
    unit: string;
    status: 'active' | 'recalled';
    recallReason: string | null;
    recalledAt: string | null;
  };
  product: {
    id: string;
    ref: string;
    gtin: string | null;
    nameVi: string;
    nameEn: string | null;
    categoryCode: string;
    category: string | null;
    imageUrl: string | null;
    commune: string | null;
  };
  producer: {
    id: string;
    name: string;
    kind: string;
    address: string | null;
    commune: string | null;
    phone: string | null;
    website: string | null;
  };
  certificates: CertificateRow[];
  zones: ZoneView[];
  events: EventView[];
  units: number;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

interface RecordRow {
  path: string;
  kind: 'batch' | 'unit';
  serial: string | null;
  kid: string;
  sig: string;
  issued_at: Date | string;
  batch_id: string;
  lot: string;
  produced_on: string;
  best_before: string | null;
  quantity: string | number;
  unit: string;
  batch_status: 'active' | 'recalled';
  recall_reason: string | null;
  recalled_at: Date | string | null;
  product_id: string;
  public_ref: string;
  gtin: string | null;
  name_vi: string;
  name_en: string | null;
  category_code: string;
  category_name: string | null;
  image_path: string | null;
  product_unit: string | null;
  producer_id: string;
  producer_name: string;
  producer_kind: string;
  address_line: string | null;
  producer_unit: string | null;
  phone: string | null;
  website: string | null;
  issued_units: number | string;
  certificates: CertificateRow[] | null;
  zones: ZoneView[] | null;
  events: EventView[] | null;
}

/** The record query; `$1` is the code path. Run as a prepared statement (see runCodeRecord). */
const CODE_RECORD_SQL = `
    select c.path, c.kind, c.serial, c.kid, c.sig, c.issued_at,
      b.id as batch_id, b.lot, b.produced_on, b.best_before, b.quantity, b.unit, b.status as batch_status,
      b.recall_reason, b.recalled_at,
      p.id as product_id, p.public_ref, p.gtin, p.name_vi, p.name_en, p.category_code, p.image_path,
      (select pc.name_vi from product_categories pc
        where pc.criteria_set_id = p.criteria_set_id and pc.code = p.category_code) as category_name,
      (select u.name from admin_units u where u.id = p.origin_unit_id) as product_unit,
      pr.id as producer_id, pr.name as producer_name, pr.kind as producer_kind, pr.address_line,
      (select u.name from admin_units u where u.id = pr.admin_unit_id) as producer_unit, pr.phone, pr.website,
      (select coalesce(sum(j.done), 0) from issuance_jobs j where j.batch_id = b.id) as issued_units,
      (select json_agg(json_build_object('id', ce.id, 'stars', ce.stars, 'level', ce.level,
          'authority', ce.authority, 'decision_no', ce.decision_no, 'decision_date', ce.decision_date,
          'valid_from', ce.valid_from, 'valid_to', ce.valid_to, 'status', ce.status,
          'revoked_at', ce.revoked_at, 'revocation_reason', ce.revocation_reason)
          order by ce.decision_date desc, ce.created_at desc)
        from certificates ce where ce.product_id = p.id) as certificates,
      (select json_agg(json_build_object('scheme', z.scheme, 'code', z.code, 'issuer', z.issuer,
          'name', z.name, 'cropOrSpecies', z.crop_or_species, 'areaHa', z.area_ha::text, 'status', z.status,
          'commune', (select u.name from admin_units u where u.id = z.admin_unit_id)) order by z.code)
        from batch_zones bz join raw_material_zones z on z.id = bz.zone_id where bz.batch_id = b.id) as zones,
      (select json_agg(e order by e."occurredAt", e.recorded_at) from (
          select ev.type, ev.occurred_at as "occurredAt", ev.place, ev.actor, ev.note, ev.recorded_at
          from batch_events ev where ev.batch_id = b.id order by ev.occurred_at, ev.recorded_at limit 200) e) as events
    from codes c
    join batches b on b.id = c.batch_id
    join products p on p.id = b.product_id
    join producers pr on pr.id = p.producer_id
    where c.path = $1`;
const CODE_RECORD_STATEMENT = 'ocop_code_record_v1';
const prepared = new WeakMap<object, Promise<unknown>>();

/**
 * Runs the record query as a prepared statement, planned once per connection: planning it costs
 * more than running it (about 1.5 ms of 2.5 ms on PGlite). PostgreSQL: pg's named statements, one
 * per pooled connection. PGlite (one session): PREPARE once; EXECUTE takes no bind parameters, so
 * the path goes in as an escaped literal (parseCode has also limited it to [0-9A-Za-z._/-]).
 */
async function runCodeRecord(handle: DbHandle, path: string): Promise<RecordRow[]> {
  if (handle.kind === 'postgres' && handle.pool) {
    const r = await handle.pool.query<RecordRow>({
      name: CODE_RECORD_STATEMENT,
      text: CODE_RECORD_SQL,
      values: [path],
    });
    return r.rows;
  }
  for (let attempt = 0; ; attempt++) {
    let ready = prepared.get(handle.db);
    if (!ready) {
      ready = sql.raw(`prepare ${CODE_RECORD_STATEMENT}(text) as ${CODE_RECORD_SQL}`).execute(handle.db);
      prepared.set(handle.db, ready);
      ready.catch(() => prepared.delete(handle.db));
    }
    await ready;
    try {
      const { rows } =
        await sql<RecordRow>`execute ${sql.raw(CODE_RECORD_STATEMENT)}(${sql.lit(path)})`.execute(handle.db);
      return rows;
    } catch (err) {
      // The statement was deallocated (a new session): prepare it again, once.
      if ((err as { code?: unknown }).code !== '26000' || attempt > 0) throw err;
      prepared.delete(handle.db);
    }
  }
}

/**
 * The issued code at `path` with its batch, product, producer, certificates, zones and events, in
 * one round trip (each round trip costs about a millisecond on PGlite) of a prepared statement, or
 * null when never issued.
 * Four inner joins and scalar subqueries: joining admin units and categories as well made the
 * planner spend 15–45 ms on PGlite for 0.3 ms of work.
 */
export async function findCodeRecord(handle: DbHandle, path: string): Promise<CodeRecord | null> {
  const rows = await runCodeRecord(handle, path);
  const row = rows[0];
  if (!row) return null;
  const issuedUnits = Number(row.issued_units);
  return {
    path: row.path,
    kind: row.kind,
    serial: row.serial,
    kid: row.kid,
    sig: row.sig,
    issuedAt: iso(row.issued_at)!,
    batch: {
      id: row.batch_id,
      lot: row.lot,
      producedOn: row.produced_on,
      bestBefore: row.best_before,
      quantity: String(row.quantity),
      unit: row.unit,
      status: row.batch_status,
      recallReason: row.recall_reason,
      recalledAt: iso(row.recalled_at),
    },
    product: {
      id: row.product_id,
      ref: row.public_ref,
      gtin: row.gtin,
      nameVi: row.name_vi,
      nameEn: row.name_en,
      categoryCode: row.category_code,
      category: row.category_name,
      imageUrl: row.image_path,
      commune: row.product_unit,
    },
    producer: {
      id: row.producer_id,
      name: row.producer_name,
      kind: row.producer_kind,
      address: row.address_line,
      commune: row.producer_unit,
      phone: row.phone,
      website: row.website,
    },
    certificates: row.certificates ?? [],
    zones: row.zones ?? [],
    events: (row.events ?? []).map((e) => ({
      type: e.type,
      occurredAt: iso(e.occurredAt),
      place: e.place,
      actor: e.actor,
      note: e.note,
    })),
    // A batch's units: its issued unit codes when it has any, else its quantity (in whole units).
    units: issuedUnits > 0 ? issuedUnits : Math.max(1, Math.ceil(Number(row.quantity))),
  };
}

function facts(c: CertificateRow): CertificateFacts {
  return { ...validityOf(c), stars: c.stars };
}

/** The registry state the pure verifier takes, from an issued code's record (or its absence). */
export function liveRegistry(record: CodeRecord | null): LiveRegistry {
  if (record === null) {
    return { kind: 'live', code: null, batch: null, batchCertificate: null, currentCertificate: null };
  }
  const batchCert = batchCertificateOf(record.certificates, record.batch.producedOn);
  const current = currentCertificateOf(record.certificates);
  return {
    kind: 'live',
    code: { issuedAt: record.issuedAt, kid: record.kid, sig: record.sig },
    batch: {
      producedOn: record.batch.producedOn,
      bestBefore: record.batch.bestBefore,
      status: record.batch.status,
      recalledAt: record.batch.recalledAt,
      units: record.kind === 'batch' ? record.units : null,
    },
    batchCertificate: batchCert ? facts(batchCert) : null,
    currentCertificate: current ? facts(current) : null,
  };
}

/** The certificate as the answer shows it: the product's current one, and whether it covered the batch. */
export function certificateView(record: CodeRecord, now: Date) {
  const current = currentCertificateOf(record.certificates);
  const batchCert = batchCertificateOf(record.certificates, record.batch.producedOn);
  if (!current) return null;
  const today = todayInVietnam(now);
  let state: string;
  try {
    state = certificateStateOn(validityOf(current), today);
  } catch {
    state = 'unknown';
  }
  return {
    id: current.id,
    stars: current.stars,
    level: current.level,
    authority: current.authority,
    decisionNo: current.decision_no,
    decisionDate: current.decision_date,
    validFrom: current.valid_from,
    validTo: current.valid_to,
    status: current.status,
    state,
    revocationReason: current.revocation_reason,
    revokedAt: iso(current.revoked_at),
    madeWhileValid: batchCert ? wasValidOn(validityOf(batchCert), record.batch.producedOn) : null,
    starsWhenMade: batchCert ? batchCert.stars : null,
  };
}

export interface PastScans {
  total: number;
  first: string | null;
  last: string | null;
  devices: number;
  areas: number;
  seenDevice: boolean;
  seenArea: boolean;
}

/**
 * Earlier verified scans of a unit code: all-time count and dates, distinct devices and areas
 * within the clone window, and whether this device and area were among them. Unit codes are
 * scanned a few times each (unless copied, and then the window bounds what is counted).
 */
export async function pastScans(
  db: Kysely<Database>,
  path: string,
  deviceHash: string | null,
  area: string | null,
): Promise<PastScans> {
  const since = sql`now() - make_interval(days => ${CLONE_WINDOW_DAYS})`;
  const { rows } = await sql<{
    total: number;
    first: Date | string | null;
    last: Date | string | null;
    devices: number;
    areas: number;
    seen_device: boolean | null;
    seen_area: boolean | null;
  }>`
    select count(*)::int as total, min(scanned_at) as first, max(scanned_at) as last,
      count(distinct device_hash) filter (where scanned_at >= ${since})::int as devices,
      count(distinct area) filter (where scanned_at >= ${since})::int as areas,
      coalesce(bool_or(device_hash = ${deviceHash} and scanned_at >= ${since}), false) as seen_device,
      coalesce(bool_or(area = ${area} and scanned_at >= ${since}), false) as seen_area
    from scans where path = ${path} and signed`.execute(db);
  const r = rows[0];
  return {
    total: Number(r?.total ?? 0),
    first: iso(r?.first ?? null),
    last: iso(r?.last ?? null),
    devices: Number(r?.devices ?? 0),
    areas: Number(r?.areas ?? 0),
    seenDevice: r?.seen_device === true,
    seenArea: r?.seen_area === true,
  };
}

/**
 * Earlier verified scans of a batch code, counted only up to `limit`: the verdict only asks
 * whether they outnumber the batch's units, and a popular batch code must not cost a count of
 * every scan it ever had.
 */
export async function pastBatchScans(db: Kysely<Database>, path: string, limit: number): Promise<PastScans> {
  const { rows } = await sql<{ total: number }>`
    select count(*)::int as total from (select 1 from scans where path = ${path} and signed limit ${limit}) s`.execute(
    db,
  );
  return {
    total: Number(rows[0]?.total ?? 0),
    first: null,
    last: null,
    devices: 0,
    areas: 0,
    seenDevice: false,
    seenArea: false,
  };
}

/** The history the verifier weighs: earlier scans plus this one. */
export function withThisScan(
  past: PastScans,
  deviceHash: string | null,
  area: string | null,
  now: Date,
): ScanHistory & { last: string } {
  return {
    totalScans: past.total + 1,
    firstScannedAt: past.first ?? now.toISOString(),
    last: now.toISOString(),
    distinctDevices: past.devices + (deviceHash !== null && !past.seenDevice ? 1 : 0),
    distinctAreas: past.areas + (area !== null && !past.seenArea ? 1 : 0),
  };
}

/** A keyed hash of the client's device id: stable per device, useless without the server's key. */
export function deviceHasher(keyEncryptionKey: Buffer): (deviceId: string) => string {
  const key = Buffer.from(hkdfSync('sha256', keyEncryptionKey, 'ocop-trace', 'scan device id v1', 32));
  return (deviceId) => createHmac('sha256', key).update(deviceId, 'utf8').digest('hex');
}

/** A coarse class of the client from its User-Agent (the header itself is not stored). */
export function uaClass(ua: string | undefined): UaClass | null {
  if (!ua) return null;
  if (/bot|crawler|spider|curl|wget|python|autocannon|httpie|postman/i.test(ua)) return 'bot';
  if (/android/i.test(ua)) return 'android';
  if (/iphone|ipad|ipod|ios/i.test(ua)) return 'ios';
  if (/windows|macintosh|linux|cros/i.test(ua)) return 'desktop';
  return 'other';
}

export async function recordScan(
  db: Kysely<Database>,
  scan: {
    path: string;
    verdict: Verdict;
    signed: boolean;
    deviceHash: string | null;
    area: string | null;
    location: { lat: number; lng: number } | null;
    uaClass: UaClass | null;
    scannedAt: Date;
  },
): Promise<void> {
  await db
    .insertInto('scans')
    .values({
      path: scan.path,
      verdict: scan.verdict,
      signed: scan.signed,
      device_hash: scan.deviceHash,
      area: scan.area,
      location_consent: scan.location !== null,
      lat: scan.location === null ? null : scan.location.lat.toFixed(5),
      lng: scan.location === null ? null : scan.location.lng.toFixed(5),
      ua_class: scan.uaClass,
      scanned_at: scan.scannedAt,
    })
    .execute();
}

/** Origins codes were printed for: the configured one and any earlier one found among codes. */
export async function printedOrigins(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('codes').select('origin').where('kind', '=', 'batch').distinct().execute();
  return rows.map((r) => r.origin);
}
