import { DEFAULT_PAGE_SIZE } from '../common-schemas.ts';
import { sql, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import type { Database, FindingOutcome, FindingVerdict } from '@ocop/db';
import { iso, numOrNull } from '../route-helpers.ts';
import { unitInArea } from '../scope.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import type { Finding, FindingQuery } from './schemas.ts';

/**
 * Who sees a finding: admin all; an inspector their own; an officer those made in their area or
 * about a product made there. Producers never see findings (they are enforcement records).
 */
export function findingScopeSql(user: AuthUser): RawBuilder<SqlBool> {
  switch (user.role) {
    case 'admin':
      return sql<SqlBool>`true`;
    case 'inspector':
      return sql<SqlBool>`f.inspector_id = ${user.id}`;
    case 'officer':
      return user.adminUnitId
        ? sql<SqlBool>`(${unitInArea(sql`f.admin_unit_id`, user.adminUnitId)}
            or ${unitInArea(sql`coalesce(p.origin_unit_id, pr.admin_unit_id)`, user.adminUnitId)})`
        : sql<SqlBool>`false`;
    default:
      return sql<SqlBool>`false`;
  }
}

function findings(db: Kysely<Database>) {
  return db
    .selectFrom('findings as f')
    .innerJoin('users as i', 'i.id', 'f.inspector_id')
    .leftJoin('products as p', 'p.id', 'f.product_id')
    .leftJoin('producers as pr', 'pr.id', 'p.producer_id')
    .leftJoin('batches as b', 'b.id', 'f.batch_id')
    .leftJoin('admin_units as u', 'u.id', 'f.admin_unit_id')
    .leftJoin('case_links as cl', (j) => j.onRef('cl.ref_id', '=', 'f.id').on('cl.kind', '=', 'finding'));
}

function columns(q: ReturnType<typeof findings>) {
  return q.select([
    'f.id',
    'f.session_id',
    'f.inspector_id',
    'i.display_name as inspector_name',
    'f.observed_at',
    'f.received_at',
    'f.code',
    'f.code_path',
    'f.verdict',
    'f.verdict_source',
    'f.product_id',
    'p.name_vi as product_name',
    'f.batch_id',
    'b.lot as batch_lot',
    'f.certified_stars',
    'f.printed_stars',
    'f.outcome',
    'f.place',
    'f.admin_unit_id',
    'u.name as area_name',
    'f.latitude',
    'f.longitude',
    'f.note',
    'cl.case_id',
  ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof columns>['executeTakeFirstOrThrow']>>;

export interface PhotoRow {
  id: string;
  finding_id: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
}

function toFinding(r: Row, photos: PhotoRow[]): Finding {
  return {
    id: r.id,
    sessionId: r.session_id,
    inspector: { id: r.inspector_id, displayName: r.inspector_name },
    observedAt: iso(r.observed_at),
    receivedAt: iso(r.received_at),
    code: r.code,
    codePath: r.code_path,
    verdict: r.verdict,
    verdictSource: r.verdict_source,
    product: r.product_id && r.product_name ? { id: r.product_id, name: r.product_name } : null,
    batch: r.batch_id && r.batch_lot ? { id: r.batch_id, lot: r.batch_lot } : null,
    certifiedStars: r.certified_stars,
    printedStars: r.printed_stars,
    starsMismatch:
      r.printed_stars !== null && r.certified_stars !== null && r.printed_stars !== r.certified_stars,
    outcome: r.outcome,
    place: r.place,
    area: r.admin_unit_id && r.area_name ? { id: r.admin_unit_id, name: r.area_name } : null,
    latitude: numOrNull(r.latitude),
    longitude: numOrNull(r.longitude),
    note: r.note,
    photos: photos
      .filter((p) => p.finding_id === r.id)
      .map((p) => ({
        id: p.id,
        width: p.width,
        height: p.height,
        bytes: p.bytes,
        sha256: p.sha256,
        url: `/api/v1/findings/${r.id}/photos/${p.id}`,
      })),
    caseId: r.case_id,
  };
}

async function photosOf(db: Kysely<Database>, ids: string[]): Promise<PhotoRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('finding_photos')
    .select(['id', 'finding_id', 'width', 'height', 'bytes', 'sha256'])
    .where('finding_id', 'in', ids)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function getFinding(db: Kysely<Database>, user: AuthUser, id: string): Promise<Finding | null> {
  const row = await columns(
    findings(db).where('f.id', '=', id).where(findingScopeSql(user)),
  ).executeTakeFirst();
  if (!row) return null;
  return toFinding(row, await photosOf(db, [row.id]));
}

function filtered(db: Kysely<Database>, user: AuthUser, q: Omit<FindingQuery, 'limit' | 'offset'>) {
  let base = findings(db).where(findingScopeSql(user));
  if (q.sessionId) base = base.where('f.session_id', '=', q.sessionId);
  if (q.outcome) base = base.where('f.outcome', '=', q.outcome);
  if (q.productId) base = base.where('f.product_id', '=', q.productId);
  if (q.codePath) base = base.where('f.code_path', '=', q.codePath);
  if (q.from) base = base.where('f.observed_at', '>=', new Date(q.from));
  if (q.to) base = base.where('f.observed_at', '<', new Date(q.to));
  return base;
}

export async function listFindings(
  db: Kysely<Database>,
  user: AuthUser,
  q: FindingQuery,
): Promise<{ items: Finding[]; total: number }> {
  const base = filtered(db, user, q);
  const [rows, count] = await Promise.all([
    columns(base)
      .orderBy('f.observed_at', 'desc')
      .orderBy('f.id')
      .limit(q.limit ?? DEFAULT_PAGE_SIZE)
      .offset(q.offset ?? 0)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const photos = await photosOf(
    db,
    rows.map((r) => r.id),
  );
  return { items: rows.map((r) => toFinding(r, photos)), total: Number(count.n) };
}

/** Every finding of a report, oldest first, capped (a session is a day's work, not a year's). */
export async function findingsForReport(
  db: Kysely<Database>,
  user: AuthUser,
  q: Omit<FindingQuery, 'limit' | 'offset'>,
  cap: number,
): Promise<Finding[]> {
  const rows = await columns(filtered(db, user, q))
    .orderBy('f.observed_at')
    .orderBy('f.id')
    .limit(cap)
    .execute();
  const photos = await photosOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toFinding(r, photos));
}

export interface NewFinding {
  id: string;
  inspectorId: string;
  sessionId: string;
  observedAt: string;
  code: string | null;
  codePath: string | null;
  verdict: FindingVerdict;
  verdictSource: 'online' | 'offline' | 'none';
  productId: string | null;
  batchId: string | null;
  certifiedStars: number | null;
  printedStars: number | null;
  outcome: FindingOutcome;
  place: string | null;
  adminUnitId: string | null;
  latitude: number | null;
  longitude: number | null;
  note: string | null;
}

/** Insert unless a finding with this id exists; true when this call stored it. */
export async function insertFinding(trx: Transaction<Database>, f: NewFinding): Promise<boolean> {
  const row = await trx
    .insertInto('findings')
    .values({
      id: f.id,
      inspector_id: f.inspectorId,
      session_id: f.sessionId,
      observed_at: f.observedAt,
      code: f.code,
      code_path: f.codePath,
      verdict: f.verdict,
      verdict_source: f.verdictSource,
      product_id: f.productId,
      batch_id: f.batchId,
      certified_stars: f.certifiedStars,
      printed_stars: f.printedStars,
      outcome: f.outcome,
      place: f.place,
      admin_unit_id: f.adminUnitId,
      // About 1 m: enough to find the stall again, no more.
      latitude: f.latitude === null ? null : Math.round(f.latitude * 1e5) / 1e5,
      longitude: f.longitude === null ? null : Math.round(f.longitude * 1e5) / 1e5,
      note: f.note,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function findingOwner(
  db: Kysely<Database>,
  id: string,
): Promise<{ inspectorId: string; photos: number } | null> {
  const row = await db
    .selectFrom('findings as f')
    .select([
      'f.inspector_id',
      sql<number>`(select count(*) from finding_photos ph where ph.finding_id = f.id)`.as('photos'),
    ])
    .where('f.id', '=', id)
    .executeTakeFirst();
  return row ? { inspectorId: row.inspector_id, photos: Number(row.photos) } : null;
}
