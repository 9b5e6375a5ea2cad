import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from '@ocop/db';
import {
  BATCH_SCANS_MIN,
  BATCH_SCANS_PER_UNIT,
  batchScanLimit,
  batchUnits,
  CLONE_AREA_THRESHOLD,
  CLONE_DEVICE_THRESHOLD,
  CLONE_WINDOW_DAYS,
  addDays,
  todayInVietnam,
} from '@ocop/domain';
import { iso, isoOrNull, num } from '../route-helpers.ts';
import { productScopeSql } from '../products/queries.ts';
import { codePathOf } from './code-path.ts';
import type { Scope } from '../scope.ts';
import type { CodeAnalytics, ScanStats, SignalList } from './schemas.ts';

/**
 * Anti-counterfeit analytics over `scans` (issue 4 records them: no IP, a keyed device hash, a
 * coarse area). The copy thresholds are the verifier's own (packages/domain verify.ts), so what the
 * office sees here is what makes a scan answer `suspected_copy`; a burst (many scans within one
 * hour) is an extra signal for the office only.
 */
export const BURST_PER_HOUR = 20;
const DAYS = 30;

export const THRESHOLDS = {
  windowDays: CLONE_WINDOW_DAYS,
  devices: CLONE_DEVICE_THRESHOLD,
  areas: CLONE_AREA_THRESHOLD,
  burstPerHour: BURST_PER_HOUR,
};

/** Vietnam's calendar day of a timestamp (UTC+7 all year, no daylight saving). */
export const vnDay = (col: RawBuilder<unknown>) =>
  sql<string>`to_char((${col} at time zone 'UTC') + interval '7 hours', 'YYYY-MM-DD')`;

/** The last `n` days in Vietnam, oldest first. */
export function lastDays(n: number, now = new Date()): string[] {
  const today = todayInVietnam(now);
  return Array.from({ length: n }, (_, i) => addDays(today, i - n + 1));
}

/**
 * True when a reported code text names exactly this code path: the path ends the text or is
 * followed by its query (`?k=…&s=…`). Plain string functions, not LIKE: lots may hold `_`.
 */
const namesPath = (text: RawBuilder<unknown>, path: RawBuilder<unknown>) =>
  sql<SqlBool>`(right(${text}, length(${path})) = ${path} or position(${path} || '?' in ${text}) > 0)`;

/** Statistics of the scans matching `where` (a condition on the alias `s`). */
export async function scanStats(db: Kysely<Database>, where: RawBuilder<SqlBool>): Promise<ScanStats> {
  const window = sql`now() - make_interval(days => ${CLONE_WINDOW_DAYS})`;
  const [totals, perDay, byArea, byVerdict] = await Promise.all([
    sql<{
      total: number;
      signed: number;
      first_at: Date | string | null;
      last_at: Date | string | null;
      devices: number;
      areas: number;
      last24h: number;
      max_per_hour: number | null;
    }>`
      select count(*)::int as total,
        count(*) filter (where s.signed)::int as signed,
        min(s.scanned_at) as first_at,
        max(s.scanned_at) as last_at,
        count(distinct s.device_hash) filter (where s.scanned_at > ${window})::int as devices,
        count(distinct s.area) filter (where s.scanned_at > ${window})::int as areas,
        count(*) filter (where s.scanned_at > now() - interval '24 hours')::int as last24h,
        (select max(n)::int from (select count(*) as n from scans s where ${where}
          group by date_trunc('hour', s.scanned_at)) h) as max_per_hour
      from scans s where ${where}`.execute(db),
    sql<{ day: string; n: number }>`
      select ${vnDay(sql`s.scanned_at`)} as day, count(*)::int as n
      from scans s where ${where} and s.scanned_at > now() - make_interval(days => ${DAYS + 1})
      group by 1`.execute(db),
    sql<{ area: string; n: number }>`
      select coalesce(s.area, '—') as area, count(*)::int as n
      from scans s where ${where} and s.scanned_at > ${window}
      group by 1 order by 2 desc, 1 limit 20`.execute(db),
    sql<{ verdict: string; n: number }>`
      select s.verdict, count(*)::int as n from scans s where ${where} group by 1 order by 2 desc`.execute(
      db,
    ),
  ]);
  const t = totals.rows[0];
  const days = new Map(perDay.rows.map((r) => [r.day, Number(r.n)]));
  return {
    total: Number(t?.total ?? 0),
    signed: Number(t?.signed ?? 0),
    firstAt: t?.first_at ? iso(t.first_at) : null,
    lastAt: t?.last_at ? iso(t.last_at) : null,
    devices: Number(t?.devices ?? 0),
    areas: Number(t?.areas ?? 0),
    last24h: Number(t?.last24h ?? 0),
    maxPerHour: Number(t?.max_per_hour ?? 0),
    perDay: lastDays(DAYS).map((day) => ({ day, scans: days.get(day) ?? 0 })),
    byArea: byArea.rows.map((r) => ({ area: r.area, scans: Number(r.n) })),
    byVerdict: byVerdict.rows.map((r) => ({ verdict: r.verdict, scans: Number(r.n) })),
  };
}

type SignalName = CodeAnalytics['signals'][number];

/** The copy signals of one code from its numbers. */
export function signalsOf(c: {
  kind: 'batch' | 'unit' | null;
  devices: number;
  areas: number;
  scans: number;
  units: number | null;
  maxPerHour: number;
  copyVerdicts: number;
}): SignalName[] {
  const out: SignalName[] = [];
  if (c.kind !== 'batch' && c.devices >= CLONE_DEVICE_THRESHOLD) out.push('many_devices');
  if (c.kind !== 'batch' && c.areas >= CLONE_AREA_THRESHOLD) out.push('many_areas');
  if (c.kind === 'batch' && c.units !== null && c.scans > batchScanLimit(c.units))
    out.push('batch_overscanned');
  if (c.maxPerHour >= BURST_PER_HOUR) out.push('burst');
  if (c.copyVerdicts > 0) out.push('verdict_suspected_copy');
  return out;
}

/**
 * The unit codes issued for the batch `b`, as the verifier counts them: the progress of its
 * issuance jobs (each chunk of codes is written with its job's progress, in one transaction), so
 * no count over the codes themselves.
 */
const unitCodesOf = sql<number>`(select coalesce(sum(j.done), 0) from issuance_jobs j where j.batch_id = b.id)`;
/** The batch's units in SQL, as `batchUnits` counts them (its unit codes, else its quantity rounded up, at least 1). */
const batchUnitsOf = sql<number>`coalesce(nullif(${unitCodesOf}, 0), greatest(1, ceil(b.quantity)))`;

/** How many units a batch has, as the verifier counts them: unit codes issued, else its quantity. */
async function unitsOf(db: Kysely<Database>, batchId: string): Promise<{ units: number; unitCodes: number }> {
  const row = await db
    .selectFrom('batches as b')
    .select(['b.quantity', unitCodesOf.as('unit_codes')])
    .where('b.id', '=', batchId)
    .executeTakeFirstOrThrow();
  const unitCodes = Number(row.unit_codes);
  return { units: batchUnits(unitCodes, num(row.quantity)), unitCodes };
}

export async function codeAnalytics(
  db: Kysely<Database>,
  scope: Scope,
  path: string,
): Promise<CodeAnalytics | null> {
  const code = await db
    .selectFrom('codes as c')
    .innerJoin('batches as b', 'b.id', 'c.batch_id')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
    .select([
      'c.kind',
      'b.id as batch_id',
      'b.lot',
      'b.quantity',
      'b.status',
      'p.id as product_id',
      'p.name_vi',
    ])
    .where('c.path', '=', path)
    .executeTakeFirst();
  if (code) {
    const visible = await db
      .selectFrom('products as p')
      .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
      .select('p.id')
      .where('p.id', '=', code.product_id)
      .where(productScopeSql(scope))
      .executeTakeFirst();
    if (!visible) return null;
  } else if (scope.kind !== 'all') {
    // A code nobody issued ties to no product: only those who see everything look at it.
    return null;
  }
  const scans = await scanStats(db, sql<SqlBool>`s.path = ${path}`);
  const copyVerdicts = scans.byVerdict.find((v) => v.verdict === 'suspected_copy')?.scans ?? 0;
  const units = code ? await unitsOf(db, code.batch_id) : null;
  const [reports, findings, openCase] = await Promise.all([
    db
      .selectFrom('reports as r')
      .leftJoin('case_links as l', (j) => j.onRef('l.ref_id', '=', 'r.id').on('l.kind', '=', 'report'))
      .select(['r.id', 'r.created_at', 'r.reason', 'r.verdict', 'r.place', 'l.case_id'])
      .where(sql<SqlBool>`r.code is not null and ${namesPath(sql`r.code`, sql`${path}::text`)}`)
      .orderBy('r.created_at', 'desc')
      .limit(50)
      .execute(),
    db
      .selectFrom('findings as f')
      .leftJoin('case_links as l', (j) => j.onRef('l.ref_id', '=', 'f.id').on('l.kind', '=', 'finding'))
      .select(['f.id', 'f.observed_at', 'f.outcome', 'f.verdict', 'f.place', 'l.case_id'])
      .where('f.code_path', '=', path)
      .orderBy('f.observed_at', 'desc')
      .limit(50)
      .execute(),
    db
      .selectFrom('cases')
      .select(['id', 'status', 'title'])
      .where('code_path', '=', path)
      .where('status', '<>', 'closed')
      .executeTakeFirst(),
  ]);
  return {
    codePath: path,
    issued: code !== undefined,
    kind: code?.kind ?? null,
    product: code ? { id: code.product_id, name: code.name_vi } : null,
    batch: code
      ? {
          id: code.batch_id,
          lot: code.lot,
          quantity: num(code.quantity),
          unitCodes: units?.unitCodes ?? 0,
          status: code.status,
        }
      : null,
    scans,
    thresholds: THRESHOLDS,
    signals: signalsOf({
      kind: code?.kind ?? null,
      devices: scans.devices,
      areas: scans.areas,
      scans: scans.total,
      units: units?.units ?? null,
      maxPerHour: scans.maxPerHour,
      copyVerdicts,
    }),
    reports: reports.map((r) => ({
      id: r.id,
      at: iso(r.created_at),
      kind: r.reason,
      verdict: r.verdict,
      place: r.place,
      caseId: r.case_id,
    })),
    findings: findings.map((f) => ({
      id: f.id,
      at: iso(f.observed_at),
      kind: f.outcome,
      verdict: f.verdict,
      place: f.place,
      caseId: f.case_id,
    })),
    openCase: openCase ?? null,
  };
}

export async function batchAnalytics(db: Kysely<Database>, batchId: string) {
  const batch = await db
    .selectFrom('batches as b')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .select(['b.id', 'b.lot', 'b.quantity', 'b.unit', 'b.status', 'p.id as product_id', 'p.name_vi'])
    .where('b.id', '=', batchId)
    .executeTakeFirstOrThrow();
  const inBatch = sql<SqlBool>`s.path in (select c.path from codes c where c.batch_id = ${batchId})`;
  const window = sql`now() - make_interval(days => ${CLONE_WINDOW_DAYS})`;
  const [scans, codes, top, batchScans, counts, units] = await Promise.all([
    scanStats(db, inBatch),
    sql<{ batch: number; units: number; scanned: number }>`
      select count(*) filter (where c.kind = 'batch')::int as batch,
        count(*) filter (where c.kind = 'unit')::int as units,
        count(*) filter (where exists (select 1 from scans s where s.path = c.path))::int as scanned
      from codes c where c.batch_id = ${batchId}`.execute(db),
    sql<{
      path: string;
      kind: 'batch' | 'unit';
      scans: number;
      devices: number;
      areas: number;
      last_at: Date | string | null;
      copies: number;
      max_per_hour: number | null;
    }>`
      select c.path, c.kind, count(s.id)::int as scans,
        count(distinct s.device_hash) filter (where s.scanned_at > ${window})::int as devices,
        count(distinct s.area) filter (where s.scanned_at > ${window})::int as areas,
        max(s.scanned_at) as last_at,
        count(*) filter (where s.verdict = 'suspected_copy')::int as copies,
        (select max(n)::int from (select count(*) as n from scans h where h.path = c.path
          group by date_trunc('hour', h.scanned_at)) x) as max_per_hour
      from codes c join scans s on s.path = c.path
      where c.batch_id = ${batchId}
      group by c.path, c.kind
      order by count(distinct s.device_hash) desc, count(s.id) desc, c.path
      limit 20`.execute(db),
    sql<{ n: number }>`
      select count(*)::int as n from scans s
      where s.path in (select c.path from codes c where c.batch_id = ${batchId} and c.kind = 'batch')`.execute(
      db,
    ),
    sql<{ reports: number; findings: number }>`
      select (select count(*) from findings f where f.batch_id = ${batchId})::int as findings,
        (select count(*) from reports r where r.code is not null and exists (
          select 1 from codes c where c.batch_id = ${batchId} and ${namesPath(sql`r.code`, sql`c.path`)}))::int as reports`.execute(
      db,
    ),
    unitsOf(db, batchId),
  ]);
  const c = codes.rows[0];
  return {
    batch: {
      id: batch.id,
      lot: batch.lot,
      productId: batch.product_id,
      productName: batch.name_vi,
      quantity: num(batch.quantity),
      unit: batch.unit,
      status: batch.status,
    },
    codes: { batch: Number(c?.batch ?? 0), units: Number(c?.units ?? 0), scanned: Number(c?.scanned ?? 0) },
    scans,
    batchCodeScans: Number(batchScans.rows[0]?.n ?? 0),
    topCodes: top.rows.map((r) => ({
      path: r.path,
      kind: r.kind,
      scans: Number(r.scans),
      devices: Number(r.devices),
      areas: Number(r.areas),
      lastAt: isoOrNull(r.last_at === null ? null : r.last_at),
      signals: signalsOf({
        kind: r.kind,
        devices: Number(r.devices),
        areas: Number(r.areas),
        scans: Number(r.scans),
        units: units.units,
        maxPerHour: Number(r.max_per_hour ?? 0),
        copyVerdicts: Number(r.copies),
      }),
    })),
    thresholds: THRESHOLDS,
    reports: Number(counts.rows[0]?.reports ?? 0),
    findings: Number(counts.rows[0]?.findings ?? 0),
  };
}

/**
 * The office's signal queue: codes whose recent scans look copied, strongest first, and consumer
 * reports not yet in a case. Each names the open case it could join.
 */
export async function signalList(db: Kysely<Database>, scope: Scope, limit: number): Promise<SignalList> {
  const window = sql`now() - make_interval(days => ${CLONE_WINDOW_DAYS})`;
  const codes = await sql<{
    path: string;
    scans: number;
    devices: number;
    areas: number;
    copies: number;
    last_at: Date | string;
    top_area: string | null;
    kind: 'batch' | 'unit' | null;
    batch_id: string | null;
    lot: string | null;
    product_id: string | null;
    product_name: string | null;
    units: number | null;
    case_id: string | null;
  }>`
    with candidates as materialized (
      -- A cheap first pass (no distinct counts, no sort): the codes that can show a signal at all.
      -- Many devices or areas take at least that many scans; batch codes have no /21/ serial.
      -- Materialized: computed once (inlined, each parallel worker of PostgreSQL recomputed it).
      select s.path from scans s
      where s.scanned_at > ${window} and s.signed
      group by s.path
      having count(*) >= ${Math.min(CLONE_DEVICE_THRESHOLD, CLONE_AREA_THRESHOLD)}
        or bool_or(s.verdict = 'suspected_copy') or position('/21/' in s.path) = 0
    ),
    recent as materialized (
      -- With its code: scans and codes share their shards on Citus, so this all runs on the
      -- workers, and the rest below joins only the registry, on the coordinator (docs/scale.md).
      select a.*, c.kind, c.batch_id from (
        select s.path, count(*)::int as scans,
          count(distinct s.device_hash)::int as devices,
          count(distinct s.area)::int as areas,
          count(*) filter (where s.verdict = 'suspected_copy')::int as copies,
          max(s.scanned_at) as last_at,
          mode() within group (order by s.area) as top_area
        from scans s
        where s.path in (select path from candidates) and s.scanned_at > ${window} and s.signed
        group by s.path
      ) a left join codes c on c.path = a.path
    )
    select r.path, r.scans, r.devices, r.areas, r.copies, r.last_at, r.top_area, r.kind,
      b.id as batch_id, b.lot, p.id as product_id, p.name_vi as product_name,
      case when r.kind = 'batch' then ${batchUnitsOf}::int end as units,
      k.id as case_id
    from recent r
    left join batches b on b.id = r.batch_id
    left join products p on p.id = b.product_id
    left join producers pr on pr.id = p.producer_id
    left join cases k on k.code_path = r.path and k.status <> 'closed'
    where (r.copies > 0
      or (coalesce(r.kind, 'unit') = 'unit' and (r.devices >= ${CLONE_DEVICE_THRESHOLD} or r.areas >= ${CLONE_AREA_THRESHOLD}))
      or (r.kind = 'batch' and r.scans > greatest(${batchUnitsOf} * ${BATCH_SCANS_PER_UNIT}, ${BATCH_SCANS_MIN})))
      and ${scope.kind === 'all' ? sql<SqlBool>`true` : sql<SqlBool>`p.id is not null and ${productScopeSql(scope)}`}
    order by (k.id is null) desc, r.devices desc, r.areas desc, r.scans desc, r.path
    limit ${limit}`.execute(db);

  const reports = await sql<{
    id: string;
    created_at: Date | string;
    reason: string;
    verdict: string | null;
    code: string | null;
    product_id: string | null;
    product_name: string | null;
    place: string | null;
    details: string | null;
  }>`
    select r.id, r.created_at, r.reason, r.verdict, r.code, r.product_id, p.name_vi as product_name, r.place, r.details
    from reports r
    left join products p on p.id = r.product_id
    left join producers pr on pr.id = p.producer_id
    where r.status = 'new'
      and not exists (select 1 from case_links l where l.kind = 'report' and l.ref_id = r.id)
      and ${scope.kind === 'all' ? sql<SqlBool>`true` : sql<SqlBool>`(p.id is null or ${productScopeSql(scope)})`}
    order by r.created_at desc, r.id
    limit ${limit}`.execute(db);

  const reportPaths = reports.rows.map((r) => codePathOf(r.code));
  const paths = [...new Set(reportPaths.filter((p): p is string => p !== null))];
  const open =
    paths.length === 0
      ? []
      : await db
          .selectFrom('cases')
          .select(['id', 'code_path'])
          .where('code_path', 'in', paths)
          .where('status', '<>', 'closed')
          .execute();

  return {
    codes: codes.rows.map((r) => ({
      codePath: r.path,
      kind: r.kind,
      product: r.product_id && r.product_name ? { id: r.product_id, name: r.product_name } : null,
      batch: r.batch_id && r.lot ? { id: r.batch_id, lot: r.lot } : null,
      scans: Number(r.scans),
      devices: Number(r.devices),
      areas: Number(r.areas),
      topArea: r.top_area,
      lastAt: isoOrNull(r.last_at),
      signals: signalsOf({
        kind: r.kind,
        devices: Number(r.devices),
        areas: Number(r.areas),
        scans: Number(r.scans),
        units: r.units === null ? null : Number(r.units),
        maxPerHour: 0,
        copyVerdicts: Number(r.copies),
      }),
      openCaseId: r.case_id,
    })),
    reports: reports.rows.map((r, i) => ({
      id: r.id,
      createdAt: iso(r.created_at),
      reason: r.reason,
      verdict: r.verdict,
      codePath: reportPaths[i] ?? null,
      product: r.product_id && r.product_name ? { id: r.product_id, name: r.product_name } : null,
      place: r.place,
      details: r.details,
      openCaseId: open.find((o) => o.code_path === reportPaths[i])?.id ?? null,
    })),
    thresholds: THRESHOLDS,
  };
}
