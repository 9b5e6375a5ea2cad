import { createHash, createHmac, hkdfSync, randomUUID } from 'node:crypto';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { QueryResultRow } from 'pg';
import type { Database, DbHandle, UaClass } from '@ocop/db';
import {
  CLONE_WINDOW_DAYS,
  batchUnits,
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

/** An issued code's own row: immutable once issued, so it may be cached for good. */
export interface CodeRow {
  path: string;
  kind: 'batch' | 'unit';
  serial: string | null;
  kid: string;
  sig: string;
  issuedAt: string;
  batchId: string;
}

/** What the answer shows about a batch: the same for each of its codes, cached until the registry changes. */
export interface BatchRecord {
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

/** Everything the answer shows about an issued code, read from the registry. */
export type CodeRecord = Omit<CodeRow, 'batchId'> & BatchRecord;

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

interface CodeSqlRow {
  path: string;
  kind: 'batch' | 'unit';
  serial: string | null;
  kid: string;
  sig: string;
  issued_at: Date | string;
  batch_id: string;
}

interface UnitSqlRow extends CodeSqlRow {
  total: number | string;
  first: Date | string | null;
  last: Date | string | null;
  devices: number | string;
  areas: number | string;
  seen_device: boolean | null;
  seen_area: boolean | null;
}

interface BatchSqlRow {
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

/** A statement prepared once per connection: planning these costs more than running them. */
interface Statement {
  name: string;
  /** Parameter types, for PREPARE. */
  types: readonly string[];
  text: string;
}

const CODE_COLUMNS = 'c.path, c.kind, c.serial, c.kid, c.sig, c.issued_at, c.batch_id';

/** An issued code by path (`$1`). */
const CODE_STATEMENT: Statement = {
  name: 'ocop_code_v2',
  types: ['text'],
  text: `select ${CODE_COLUMNS} from codes c where c.path = $1`,
};

/**
 * A batch (`$1`) with its product, producer, certificates, zones and events.
 * Four inner joins and scalar subqueries: joining admin units and categories as well made the
 * planner spend 15–45 ms on PGlite for 0.3 ms of work.
 */
const BATCH_STATEMENT: Statement = {
  name: 'ocop_batch_record_v2',
  types: ['uuid'],
  text: `
    select b.id as batch_id, b.lot, b.produced_on, b.best_before, b.quantity, b.unit, b.status as batch_status,
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
    from batches b
    join products p on p.id = b.product_id
    join producers pr on pr.id = p.producer_id
    where b.id = $1`,
};

type Param = string | number | null | readonly (string | null)[];
/** What may go into PGlite's EXECUTE as a literal: paths, uuids, hex digests, integers. */
const SAFE_PARAM = /^[0-9A-Za-z._/-]{0,200}$/;
const prepared = new WeakMap<object, Map<string, Promise<unknown>>>();

function literal(p: Param): string {
  if (p === null) return 'null';
  if (Array.isArray(p)) return `array[${p.map((x) => literal(x as string | null)).join(', ')}]::text[]`;
  if (typeof p === 'number' && Number.isSafeInteger(p)) return String(p);
  if (typeof p === 'string' && SAFE_PARAM.test(p)) return `'${p}'`;
  throw new TypeError('unsafe statement parameter');
}

/**
 * Runs a statement prepared once per connection. PostgreSQL: pg's named statements, one per pooled
 * connection. PGlite (one session): PREPARE once; EXECUTE takes no bind parameters, so the
 * parameters go in as literals, and only those `literal` accepts (paths parseCode limited to
 * [0-9A-Za-z._/-], uuids, hex digests, integers).
 */
async function runStatement<R>(handle: DbHandle, st: Statement, params: readonly Param[]): Promise<R[]> {
  if (handle.kind === 'postgres' && handle.pool) {
    const r = await handle.pool.query<R & QueryResultRow>({
      name: st.name,
      text: st.text,
      values: [...params],
    });
    return r.rows;
  }
  const args = params.map(literal).join(', ');
  let statements = prepared.get(handle.db);
  if (!statements) prepared.set(handle.db, (statements = new Map<string, Promise<unknown>>()));
  for (let attempt = 0; ; attempt++) {
    let ready = statements.get(st.name);
    if (!ready) {
      const prepare = `prepare ${st.name}(${st.types.join(', ')}) as ${st.text}`;
      ready = sql.raw(prepare).execute(handle.db);
      statements.set(st.name, ready);
      ready.catch(() => statements.delete(st.name));
    }
    await ready;
    try {
      const execute = `execute ${st.name}(${args})`;
      const { rows } = await sql.raw<R>(execute).execute(handle.db);
      return rows;
    } catch (err) {
      // The statement was deallocated (a new session): prepare it again, once.
      if ((err as { code?: unknown }).code !== '26000' || attempt > 0) throw err;
      statements.delete(st.name);
    }
  }
}

function codeRowOf(row: CodeSqlRow): CodeRow {
  return {
    path: row.path,
    kind: row.kind,
    serial: row.serial,
    kid: row.kid,
    sig: row.sig,
    issuedAt: iso(row.issued_at)!,
    batchId: row.batch_id,
  };
}

/** An issued code's row, or null when the path was never issued. */
export async function findCode(handle: DbHandle, path: string): Promise<CodeRow | null> {
  const [row] = await runStatement<CodeSqlRow>(handle, CODE_STATEMENT, [path]);
  return row ? codeRowOf(row) : null;
}

/**
 * Issued unit codes with their earlier verified scans, many at once: for each (path, device hash,
 * area digest) of `$1`–`$3`, by position (`i`, from 1), the code's row, its all-time scan count
 * and dates, the distinct devices and areas within the clone window (`$4` days), and whether this
 * device (its keyed hash) and this area (the md5 of its text) were among them. One round trip.
 */
const UNITS_STATEMENT: Statement = {
  name: 'ocop_unit_codes_v1',
  types: ['text[]', 'text[]', 'text[]', 'int'],
  text: `
    select q.i::int as i, ${CODE_COLUMNS}, h.total, h.first, h.last, h.devices, h.areas, h.seen_device, h.seen_area
    from unnest($1::text[], $2::text[], $3::text[]) with ordinality as q(path, device, area, i)
    join codes c on c.path = q.path
    cross join lateral (
      select count(*)::int as total, min(s.scanned_at) as first, max(s.scanned_at) as last,
        count(distinct s.device_hash) filter (where s.scanned_at >= now() - make_interval(days => $4))::int as devices,
        count(distinct s.area) filter (where s.scanned_at >= now() - make_interval(days => $4))::int as areas,
        coalesce(bool_or(s.device_hash = q.device and s.scanned_at >= now() - make_interval(days => $4)), false) as seen_device,
        coalesce(bool_or(md5(s.area) = q.area and s.scanned_at >= now() - make_interval(days => $4)), false) as seen_area
      from scans s where s.path = c.path and s.signed) h`,
};

export type UnitCodeFound = { code: CodeRow; past: PastScans } | null;
export type UnitCodeFinder = (
  path: string,
  deviceHash: string | null,
  area: string | null,
) => Promise<UnitCodeFound>;

function unitFoundOf(row: UnitSqlRow): NonNullable<UnitCodeFound> {
  return {
    code: codeRowOf(row),
    past: {
      total: Number(row.total),
      first: iso(row.first),
      last: iso(row.last),
      devices: Number(row.devices),
      areas: Number(row.areas),
      seenDevice: row.seen_device === true,
      seenArea: row.seen_area === true,
    },
  };
}

const areaDigestOf = (area: string | null) =>
  area === null ? null : createHash('md5').update(area, 'utf8').digest('hex');

/**
 * Finds unit codes with their scan history. The lookups that arrive in the same turn of the
 * event loop share one statement (at most `maxBatch` codes): under load dozens of scans wait for
 * their own round trip, and the cost — the driver's and PostgreSQL's, or PGlite's — is mostly per
 * statement, not per row. One scan alone waits for nothing.
 */
export function unitCodeFinder(handle: DbHandle, maxBatch = 64): UnitCodeFinder {
  interface Waiting {
    path: string;
    device: string | null;
    area: string | null;
    resolve: (found: UnitCodeFound) => void;
    reject: (err: unknown) => void;
  }
  let queue: Waiting[] = [];
  const run = async (batch: Waiting[]): Promise<void> => {
    try {
      const rows = await runStatement<UnitSqlRow & { i: number }>(handle, UNITS_STATEMENT, [
        batch.map((w) => w.path),
        batch.map((w) => w.device),
        batch.map((w) => w.area),
        CLONE_WINDOW_DAYS,
      ]);
      const found = new Array<UnitCodeFound>(batch.length).fill(null);
      for (const row of rows) found[row.i - 1] = unitFoundOf(row);
      batch.forEach((w, i) => w.resolve(found[i]!));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  };
  const flush = () => {
    const batch = queue;
    queue = [];
    if (batch.length > 0) void run(batch);
  };
  return (path, deviceHash, area) =>
    new Promise<UnitCodeFound>((resolve, reject) => {
      queue.push({ path, device: deviceHash, area: areaDigestOf(area), resolve, reject });
      if (queue.length === 1) setImmediate(flush);
      else if (queue.length >= maxBatch) flush();
    });
}

/** `value` and everything in it, frozen. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A batch with its product, producer, certificates, zones and events, or null when absent. */
export async function findBatchRecord(handle: DbHandle, batchId: string): Promise<BatchRecord | null> {
  const [row] = await runStatement<BatchSqlRow>(handle, BATCH_STATEMENT, [batchId]);
  if (!row) return null;
  const issuedUnits = Number(row.issued_units);
  return {
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
    // Frozen: every answer of the batch shows these same objects (their JSON is made once).
    product: deepFreeze({
      id: row.product_id,
      ref: row.public_ref,
      gtin: row.gtin,
      nameVi: row.name_vi,
      nameEn: row.name_en,
      categoryCode: row.category_code,
      category: row.category_name,
      imageUrl: row.image_path,
      commune: row.product_unit,
    }),
    producer: deepFreeze({
      id: row.producer_id,
      name: row.producer_name,
      kind: row.producer_kind,
      address: row.address_line,
      commune: row.producer_unit,
      phone: row.phone,
      website: row.website,
    }),
    certificates: row.certificates ?? [],
    zones: deepFreeze(row.zones ?? []),
    events: deepFreeze(
      (row.events ?? []).map((e) => ({
        type: e.type,
        occurredAt: iso(e.occurredAt),
        place: e.place,
        actor: e.actor,
        note: e.note,
      })),
    ),
    units: batchUnits(issuedUnits, Number(row.quantity)),
  };
}

/** An issued code with its batch's record, as the answer shows it. */
export function codeRecordOf(code: CodeRow, batch: BatchRecord): CodeRecord {
  return {
    path: code.path,
    kind: code.kind,
    serial: code.serial,
    kid: code.kid,
    sig: code.sig,
    issuedAt: code.issuedAt,
    ...batch,
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
 * Earlier verified scans of a batch code, counted only up to `limit`: the verdict only asks
 * whether they outnumber the batch's units, and a popular batch code must not cost a count of
 * every scan it ever had.
 */
export async function countBatchScans(db: Kysely<Database>, path: string, limit: number): Promise<number> {
  const { rows } = await sql<{ total: number }>`
    select count(*)::int as total from (select 1 from scans where path = ${path} and signed limit ${limit}) s`.execute(
    db,
  );
  return Number(rows[0]?.total ?? 0);
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
  let found = uaClasses.get(ua);
  if (found === undefined) {
    found = classOf(ua);
    // Most scans come from a few browsers: their classes are remembered (a few hundred at most).
    if (uaClasses.size >= 500) uaClasses.clear();
    uaClasses.set(ua, found);
  }
  return found;
}

const uaClasses = new Map<string, UaClass>();

function classOf(ua: string): UaClass {
  if (/bot|crawler|spider|curl|wget|python|autocannon|httpie|postman/i.test(ua)) return 'bot';
  if (/android/i.test(ua)) return 'android';
  if (/iphone|ipad|ipod|ios/i.test(ua)) return 'ios';
  if (/windows|macintosh|linux|cros/i.test(ua)) return 'desktop';
  return 'other';
}

/** One verification as stored: no IP address, no user agent (a class), a position only with consent. */
export interface ScanRecord {
  path: string;
  verdict: Verdict;
  signed: boolean;
  deviceHash: string | null;
  area: string | null;
  location: { lat: number; lng: number } | null;
  uaClass: UaClass | null;
  scannedAt: Date;
}

/**
 * Stores scans in one statement (the scan log writes them in batches), as eleven arrays unnested
 * into rows: one statement text whatever the batch size, so PostgreSQL prepares it once per
 * connection, and eleven parameters instead of eleven a row (a 500-row VALUES list cost more to
 * build and to parse than to insert). The arrays are written here as PostgreSQL array literals in
 * one pass over the scans: the driver's own array serialization (two regular-expression replaces
 * per element, a type dispatch per value) cost several times the loop below. Each row's id is made
 * here (`gen_random_uuid()` was the largest single part of PostgreSQL's cost of a row), and its
 * time travels as epoch milliseconds (parsing an ISO text cost both sides more).
 */
const INSERT_SCANS = {
  name: 'ocop_insert_scans_v2',
  text: `insert into scans (id, path, verdict, signed, device_hash, area, location_consent, lat, lng, ua_class, scanned_at)
    select id, path, verdict, signed, device_hash, area, location_consent, lat, lng, ua_class,
      timestamptz 'epoch' + ms * interval '1 millisecond'
    from unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::text[], $7::boolean[],
      $8::numeric[], $9::numeric[], $10::text[], $11::bigint[])
      as s(id, path, verdict, signed, device_hash, area, location_consent, lat, lng, ua_class, ms)`,
};

const ARRAY_ESCAPE = /[\\"]/;

/** A text as an element of a PostgreSQL array literal: quoted, `\` and `"` escaped; null as NULL. */
export function arrayElement(value: string | null): string {
  if (value === null) return 'NULL';
  return `"${ARRAY_ESCAPE.test(value) ? value.replace(/[\\"]/g, '\\$&') : value}"`;
}

/** The eleven array literals of {@link INSERT_SCANS} for these scans. */
export function scanArrays(scans: readonly ScanRecord[]): string[] {
  let id = '';
  let path = '';
  let verdict = '';
  let signed = '';
  let device = '';
  let area = '';
  let consent = '';
  let lat = '';
  let lng = '';
  let ua = '';
  let ms = '';
  for (let i = 0; i < scans.length; i++) {
    const s = scans[i]!;
    const c = i === 0 ? '' : ',';
    id += c + randomUUID();
    path += c + arrayElement(s.path);
    verdict += c + arrayElement(s.verdict);
    signed += s.signed ? `${c}t` : `${c}f`;
    device += c + arrayElement(s.deviceHash);
    area += c + arrayElement(s.area);
    consent += s.location === null ? `${c}f` : `${c}t`;
    lat += c + (s.location === null ? 'NULL' : s.location.lat.toFixed(5));
    lng += c + (s.location === null ? 'NULL' : s.location.lng.toFixed(5));
    ua += c + arrayElement(s.uaClass);
    ms += c + s.scannedAt.getTime();
  }
  return [id, path, verdict, signed, device, area, consent, lat, lng, ua, ms].map((a) => `{${a}}`);
}

export async function insertScans(handle: DbHandle, scans: readonly ScanRecord[]): Promise<void> {
  if (scans.length === 0) return;
  const values = scanArrays(scans);
  if (handle.kind === 'postgres' && handle.pool) {
    await handle.pool.query({ ...INSERT_SCANS, values });
  } else {
    // Through Kysely: the dialect's connection lock keeps it out of a transaction in flight.
    await handle.db.executeQuery(CompiledQuery.raw(INSERT_SCANS.text, values));
  }
}

/** Origins codes were printed for: the configured one and any earlier one found among codes. */
export async function printedOrigins(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('codes').select('origin').where('kind', '=', 'batch').distinct().execute();
  return rows.map((r) => r.origin);
}
