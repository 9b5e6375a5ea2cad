import { DEFAULT_PAGE_SIZE } from '../common-schemas.ts';
import { sql, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import type { CaseKind, CaseResolution, Database } from '@ocop/db';
import { iso, isoOrNull } from '../route-helpers.ts';
import { unitInArea, type Scope } from '../scope.ts';
import type { Case, CaseDetail, CaseQuery } from './schemas.ts';

/**
 * The office's case queue. Who sees a case: admin all; an officer the cases about a product made in
 * their area, or placed in their area, or placed nowhere (a code nobody could tie to a product is
 * everyone's business until someone does). Inspectors and producers do not see the queue.
 */
export function caseScopeSql(scope: Scope): RawBuilder<SqlBool> {
  switch (scope.kind) {
    case 'all':
      return sql<SqlBool>`true`;
    case 'area':
      return sql<SqlBool>`(${unitInArea(sql`k.admin_unit_id`, scope.unitId)}
        or ${unitInArea(sql`coalesce(p.origin_unit_id, pr.admin_unit_id)`, scope.unitId)}
        or (k.admin_unit_id is null and k.product_id is null))`;
    default:
      return sql<SqlBool>`false`;
  }
}

function cases(db: Kysely<Database>) {
  return db
    .selectFrom('cases as k')
    .leftJoin('products as p', 'p.id', 'k.product_id')
    .leftJoin('producers as pr', 'pr.id', 'p.producer_id')
    .leftJoin('batches as b', 'b.id', 'k.batch_id')
    .leftJoin('admin_units as u', 'u.id', 'k.admin_unit_id')
    .leftJoin('users as ob', 'ob.id', 'k.opened_by')
    .leftJoin('users as at', 'at.id', 'k.assigned_to');
}

function caseColumns(q: ReturnType<typeof cases>) {
  return q.select([
    'k.id',
    'k.kind',
    'k.status',
    'k.priority',
    'k.title',
    'k.code_path',
    'k.product_id',
    'p.name_vi as product_name',
    'k.batch_id',
    'b.lot as batch_lot',
    'k.admin_unit_id',
    'u.name as area_name',
    'k.signals',
    'k.opened_at',
    'k.opened_by',
    'ob.display_name as opened_by_name',
    'k.assigned_to',
    'at.display_name as assigned_to_name',
    'k.closed_at',
    'k.resolution',
    'k.resolution_note',
    'k.updated_at',
    sql<number>`(select count(*) from case_links l where l.case_id = k.id and l.kind = 'report')`.as(
      'n_reports',
    ),
    sql<number>`(select count(*) from case_links l where l.case_id = k.id and l.kind = 'finding')`.as(
      'n_findings',
    ),
  ]);
}

type CaseRow = Awaited<ReturnType<ReturnType<typeof caseColumns>['executeTakeFirstOrThrow']>>;

function toCase(r: CaseRow): Case {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    priority: r.priority,
    title: r.title,
    codePath: r.code_path,
    product: r.product_id && r.product_name ? { id: r.product_id, name: r.product_name } : null,
    batch: r.batch_id && r.batch_lot ? { id: r.batch_id, lot: r.batch_lot } : null,
    area: r.admin_unit_id && r.area_name ? { id: r.admin_unit_id, name: r.area_name } : null,
    signals: r.signals ?? {},
    openedAt: iso(r.opened_at),
    openedBy: r.opened_by && r.opened_by_name ? { id: r.opened_by, displayName: r.opened_by_name } : null,
    assignedTo:
      r.assigned_to && r.assigned_to_name ? { id: r.assigned_to, displayName: r.assigned_to_name } : null,
    closedAt: isoOrNull(r.closed_at),
    resolution: r.resolution,
    resolutionNote: r.resolution_note,
    updatedAt: iso(r.updated_at),
    reports: Number(r.n_reports),
    findings: Number(r.n_findings),
  };
}

export async function listCases(
  db: Kysely<Database>,
  scope: Scope,
  q: CaseQuery,
): Promise<{ items: Case[]; total: number }> {
  let base = cases(db).where(caseScopeSql(scope));
  if (q.status === 'active') base = base.where('k.status', '<>', 'closed');
  else if (q.status) base = base.where('k.status', '=', q.status);
  if (q.kind) base = base.where('k.kind', '=', q.kind);
  if (q.codePath) base = base.where('k.code_path', '=', q.codePath);
  const [rows, count] = await Promise.all([
    caseColumns(base)
      // Open work first: high priority, then the oldest; closed cases last, newest first.
      .orderBy(sql`case k.status when 'closed' then 1 else 0 end`)
      .orderBy(sql`case k.priority when 'high' then 0 when 'normal' then 1 else 2 end`)
      .orderBy(
        sql`case when k.status = 'closed' then -extract(epoch from k.closed_at) else extract(epoch from k.opened_at) end`,
      )
      .orderBy('k.id')
      .limit(q.limit ?? DEFAULT_PAGE_SIZE)
      .offset(q.offset ?? 0)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toCase), total: Number(count.n) };
}

/** The case if the caller's scope covers it. */
export async function getCase(db: Kysely<Database>, scope: Scope, id: string): Promise<Case | null> {
  const row = await caseColumns(
    cases(db).where('k.id', '=', id).where(caseScopeSql(scope)),
  ).executeTakeFirst();
  return row ? toCase(row) : null;
}

export async function getCaseDetail(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
): Promise<CaseDetail | null> {
  const c = await getCase(db, scope, id);
  if (!c) return null;
  const [reports, findings, events] = await Promise.all([
    db
      .selectFrom('case_links as l')
      .innerJoin('reports as r', 'r.id', 'l.ref_id')
      .select(['r.id', 'r.created_at', 'r.reason', 'r.verdict', 'r.details', 'r.place', 'r.status'])
      .where('l.case_id', '=', id)
      .where('l.kind', '=', 'report')
      .orderBy('r.created_at')
      .execute(),
    db
      .selectFrom('case_links as l')
      .innerJoin('findings as f', 'f.id', 'l.ref_id')
      .innerJoin('users as i', 'i.id', 'f.inspector_id')
      .select([
        'f.id',
        'f.observed_at',
        'i.display_name',
        'f.verdict',
        'f.outcome',
        'f.printed_stars',
        'f.certified_stars',
        'f.place',
        'f.note',
        sql<number>`(select count(*) from finding_photos ph where ph.finding_id = f.id)`.as('photos'),
      ])
      .where('l.case_id', '=', id)
      .where('l.kind', '=', 'finding')
      .orderBy('f.observed_at')
      .execute(),
    db
      .selectFrom('case_events as e')
      .leftJoin('users as a', 'a.id', 'e.actor_id')
      .select(['e.id', 'e.at', 'e.actor_id', 'a.display_name', 'e.action', 'e.note'])
      .where('e.case_id', '=', id)
      .orderBy('e.seq')
      .execute(),
  ]);
  return {
    case: c,
    reports: reports.map((r) => ({
      id: r.id,
      createdAt: iso(r.created_at),
      reason: r.reason,
      verdict: r.verdict,
      details: r.details,
      place: r.place,
      status: r.status,
    })),
    findings: findings.map((f) => ({
      id: f.id,
      observedAt: iso(f.observed_at),
      inspector: f.display_name,
      verdict: f.verdict,
      outcome: f.outcome,
      printedStars: f.printed_stars,
      certifiedStars: f.certified_stars,
      place: f.place,
      note: f.note,
      photos: Number(f.photos),
    })),
    events: events.map((e) => ({
      id: e.id,
      at: iso(e.at),
      actor: e.actor_id && e.display_name ? { id: e.actor_id, displayName: e.display_name } : null,
      action: e.action,
      note: e.note,
    })),
  };
}

export async function addCaseEvent(
  trx: Transaction<Database>,
  caseId: string,
  actorId: string | null,
  action: 'opened' | 'linked' | 'note' | 'status' | 'assigned' | 'closed' | 'reopened',
  note: string | null,
): Promise<void> {
  await trx.insertInto('case_events').values({ case_id: caseId, actor_id: actorId, action, note }).execute();
}

export interface OpenCase {
  kind: CaseKind;
  title: string;
  priority?: 'high' | 'normal' | 'low';
  codePath: string | null;
  productId: string | null;
  batchId: string | null;
  adminUnitId: string | null;
  signals: Record<string, unknown>;
  openedBy: string | null;
  note?: string | null;
}

/**
 * Open a case, or join the open case about the same code (one open case per code: a unique index
 * guards it, so two signals racing for the same code meet in one case).
 */
export async function openOrJoinCase(
  trx: Transaction<Database>,
  c: OpenCase,
): Promise<{ id: string; created: boolean }> {
  if (c.codePath) {
    const open = await trx
      .selectFrom('cases')
      .select('id')
      .where('code_path', '=', c.codePath)
      .where('status', '<>', 'closed')
      .forUpdate()
      .executeTakeFirst();
    if (open) return { id: open.id, created: false };
  }
  const row = await trx
    .insertInto('cases')
    .values({
      kind: c.kind,
      title: c.title,
      priority: c.priority ?? 'normal',
      code_path: c.codePath,
      product_id: c.productId,
      batch_id: c.batchId,
      admin_unit_id: c.adminUnitId,
      signals: JSON.stringify(c.signals),
      opened_by: c.openedBy,
    })
    .onConflict((oc) =>
      oc.column('code_path').where('code_path', 'is not', null).where('status', '<>', 'closed').doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  if (!row) {
    // Another transaction opened it between our look and our insert.
    const open = await trx
      .selectFrom('cases')
      .select('id')
      .where('code_path', '=', c.codePath)
      .where('status', '<>', 'closed')
      .executeTakeFirstOrThrow();
    return { id: open.id, created: false };
  }
  await addCaseEvent(trx, row.id, c.openedBy, 'opened', c.note ?? null);
  return { id: row.id, created: true };
}

/**
 * Link reports and findings to a case. A report or finding belongs to one case at most: ids already
 * in another case are returned in `taken`, unknown ids in `missing`. Linked reports move to
 * `in_review` (the office has them in hand).
 */
export async function linkToCase(
  trx: Transaction<Database>,
  caseId: string,
  actorId: string | null,
  links: { reportIds?: readonly string[] | undefined; findingIds?: readonly string[] | undefined },
): Promise<{ linked: number; taken: string[]; missing: string[] }> {
  const taken: string[] = [];
  const missing: string[] = [];
  let linked = 0;
  for (const [kind, ids] of [
    ['report', links.reportIds ?? []],
    ['finding', links.findingIds ?? []],
  ] as const) {
    if (ids.length === 0) continue;
    const table = kind === 'report' ? 'reports' : 'findings';
    const existing = new Set(
      (
        await trx
          .selectFrom(table)
          .select('id')
          .where('id', 'in', [...ids])
          .execute()
      ).map((r) => r.id),
    );
    for (const id of ids) if (!existing.has(id)) missing.push(id);
    const present = ids.filter((id) => existing.has(id));
    if (present.length === 0) continue;
    const inserted = await trx
      .insertInto('case_links')
      .values(present.map((ref_id) => ({ case_id: caseId, kind, ref_id, linked_by: actorId })))
      .onConflict((oc) => oc.columns(['kind', 'ref_id']).doNothing())
      .returning('ref_id')
      .execute();
    const done = new Set(inserted.map((r) => r.ref_id));
    linked += done.size;
    if (done.size < present.length) {
      const mine = new Set(
        (
          await trx
            .selectFrom('case_links')
            .select('ref_id')
            .where('case_id', '=', caseId)
            .where('kind', '=', kind)
            .where('ref_id', 'in', present)
            .execute()
        ).map((r) => r.ref_id),
      );
      for (const id of present) if (!done.has(id) && !mine.has(id)) taken.push(id);
    }
    if (kind === 'report' && done.size > 0) {
      await trx
        .updateTable('reports')
        .set({ status: 'in_review', handled_by: actorId, handled_at: new Date() })
        .where('id', 'in', [...done])
        .where('status', '=', 'new')
        .execute();
    }
  }
  if (linked > 0) await addCaseEvent(trx, caseId, actorId, 'linked', null);
  await trx.updateTable('cases').set({ updated_at: new Date() }).where('id', '=', caseId).execute();
  return { linked, taken, missing };
}

/** Close a case; its linked reports close with it. False when it was closed meanwhile. */
export async function closeCase(
  trx: Transaction<Database>,
  caseId: string,
  actorId: string,
  resolution: CaseResolution,
  note: string | null,
): Promise<boolean> {
  const done = await trx
    .updateTable('cases')
    .set({
      status: 'closed',
      closed_at: new Date(),
      closed_by: actorId,
      resolution,
      resolution_note: note,
      updated_at: new Date(),
    })
    .where('id', '=', caseId)
    .where('status', '<>', 'closed')
    .returning('id')
    .executeTakeFirst();
  if (!done) return false;
  await trx
    .updateTable('reports')
    .set({ status: 'closed', handled_by: actorId, handled_at: new Date(), resolution })
    .where('id', 'in', (eb) =>
      eb.selectFrom('case_links').select('ref_id').where('case_id', '=', caseId).where('kind', '=', 'report'),
    )
    .execute();
  await addCaseEvent(trx, caseId, actorId, 'closed', note);
  return true;
}

export async function reopenCase(
  trx: Transaction<Database>,
  caseId: string,
  actorId: string,
  note: string | null,
): Promise<boolean> {
  const done = await trx
    .updateTable('cases')
    .set({
      status: 'investigating',
      closed_at: null,
      closed_by: null,
      resolution: null,
      resolution_note: null,
      updated_at: new Date(),
    })
    .where('id', '=', caseId)
    .where('status', '=', 'closed')
    .returning('id')
    .executeTakeFirst();
  if (!done) return false;
  await addCaseEvent(trx, caseId, actorId, 'reopened', note);
  return true;
}

/** What a code path is in the registry: its batch and product (null when never issued). */
export async function codeRecord(
  db: Kysely<Database>,
  path: string,
): Promise<{ batchId: string; productId: string; kind: 'batch' | 'unit' } | null> {
  const row = await db
    .selectFrom('codes as c')
    .innerJoin('batches as b', 'b.id', 'c.batch_id')
    .select(['c.batch_id', 'b.product_id', 'c.kind'])
    .where('c.path', '=', path)
    .executeTakeFirst();
  return row ? { batchId: row.batch_id, productId: row.product_id, kind: row.kind } : null;
}
