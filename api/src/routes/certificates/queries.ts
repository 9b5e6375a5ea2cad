import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, NewCertificate, Certificate as CertificateRow } from '@ocop/db';
import {
  REVOCATION_REASON_LABELS,
  addDays,
  ancestryOn,
  currentSuccessors,
  indexUnits,
  isUnitValidOn,
  certificateStateOn,
  daysUntilExpiry,
  isRenewalDue,
  isRevocationReason,
  renewalDueOn,
  type RevocationReason,
} from '@ocop/domain';
import { assertTransaction } from '@ocop/db';
import { iso, isoOrNull, num } from '../route-helpers.ts';
import { unitInArea, type Scope } from '../scope.ts';
import type { Certificate, CertificateBrief } from './schemas.ts';

/** A certificate row mapped to the API shape, its state computed by the domain rules on `today`. */
export function toCertificate(r: CertificateRow, today: string, supersededById: string | null): Certificate {
  const revokedAt = isoOrNull(r.revoked_at);
  const state = certificateStateOn(
    { status: r.status, validFrom: r.valid_from, validTo: r.valid_to, revokedAt },
    today,
  );
  const reason = r.revocation_reason;
  return {
    id: r.id,
    productId: r.product_id,
    criteriaSetId: r.criteria_set_id,
    scoreA: num(r.score_a),
    scoreB: num(r.score_b),
    scoreC: num(r.score_c),
    totalScore: num(r.total_score),
    mandatoryPassed: r.mandatory_passed.map(Number),
    stars: r.stars,
    level: r.level,
    authority: r.authority,
    decisionNo: r.decision_no,
    decisionDate: r.decision_date,
    round: r.round,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    status: r.status,
    state,
    renewalDue: state === 'valid' && isRenewalDue(r.valid_to, today),
    renewalDueOn: renewalDueOn(r.valid_to),
    daysUntilExpiry: daysUntilExpiry(r.valid_to, today),
    supersedesId: r.supersedes_id,
    supersededById,
    revocation:
      revokedAt !== null && reason !== null && isRevocationReason(reason)
        ? {
            reason,
            reasonVi: REVOCATION_REASON_LABELS[reason].vi,
            reasonEn: REVOCATION_REASON_LABELS[reason].en,
            note: r.revocation_note,
            revokedAt,
          }
        : null,
    evidenceUrl: r.evidence_url,
    createdAt: iso(r.created_at),
  };
}

export function toBrief(c: Certificate): CertificateBrief {
  return {
    id: c.id,
    stars: c.stars,
    decisionNo: c.decisionNo,
    decisionDate: c.decisionDate,
    validTo: c.validTo,
    state: c.state,
  };
}

/** Every certificate of a product, newest decision first. */
export async function certificatesOfProduct(
  db: Kysely<Database>,
  productId: string,
  today: string,
): Promise<Certificate[]> {
  const rows = await db
    .selectFrom('certificates')
    .selectAll()
    .where('product_id', '=', productId)
    .orderBy('decision_date', 'desc')
    .orderBy('created_at', 'desc')
    .execute();
  const successor = new Map(rows.filter((r) => r.supersedes_id).map((r) => [r.supersedes_id, r.id]));
  return rows.map((r) => toCertificate(r, today, successor.get(r.id) ?? null));
}

/**
 * The product's current certificate: the newest one not superseded (active, or revoked when no
 * newer one was issued). Null when the product never held one.
 */
export function currentOf(certificates: Certificate[]): Certificate | null {
  return certificates.find((c) => c.status !== 'superseded') ?? null;
}

export async function getCertificate(
  db: Kysely<Database>,
  id: string,
  today: string,
): Promise<Certificate | null> {
  const row = await db.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const next = await db
    .selectFrom('certificates')
    .select('id')
    .where('supersedes_id', '=', id)
    .executeTakeFirst();
  return toCertificate(row, today, next?.id ?? null);
}

/** The raw row, for checks before a change. */
export async function getCertificateRow(
  db: Kysely<Database>,
  id: string,
): Promise<CertificateRow | undefined> {
  return db.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function activeCertificateOf(
  db: Kysely<Database>,
  productId: string,
): Promise<CertificateRow | undefined> {
  return db
    .selectFrom('certificates')
    .selectAll()
    .where('product_id', '=', productId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

/**
 * Records a certificate; on renewal or upgrade first marks the one it supersedes, in the same
 * transaction (one active certificate per product is a unique index).
 */
export async function insertCertificate(trx: Transaction<Database>, values: NewCertificate): Promise<string> {
  assertTransaction(trx);
  if (values.supersedes_id) {
    const updated = await trx
      .updateTable('certificates')
      .set({ status: 'superseded' })
      .where('id', '=', values.supersedes_id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new Error('superseded certificate is no longer active');
  }
  const row = await trx.insertInto('certificates').values(values).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function revokeCertificate(
  trx: Transaction<Database>,
  id: string,
  reason: RevocationReason,
  note: string | null,
): Promise<boolean> {
  const r = await trx
    .updateTable('certificates')
    .set({ status: 'revoked', revocation_reason: reason, revocation_note: note, revoked_at: new Date() })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Active certificates whose last valid day falls within `withinDays` from today (inclusive), soonest
 * first, inside the caller's scope. The notice itself is the domain's: at least 30 days before expiry.
 */
export async function renewalsDue(db: Kysely<Database>, scope: Scope, today: string, withinDays: number) {
  let q = db
    .selectFrom('certificates as c')
    .innerJoin('products as p', 'p.id', 'c.product_id')
    .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
    .selectAll('c')
    .select(['p.name_vi as product_name', 'pr.id as producer_id', 'pr.name as producer_name'])
    .where('c.status', '=', 'active')
    .where('c.valid_to', '>=', today)
    .where('c.valid_to', '<=', addDays(today, withinDays))
    .where('c.valid_from', '<=', today)
    .orderBy('c.valid_to')
    .orderBy('p.name_vi')
    .limit(1000);
  if (scope.kind === 'area')
    q = q.where(unitInArea(sql`coalesce(p.origin_unit_id, pr.admin_unit_id)`, scope.unitId));
  else if (scope.kind === 'producer') q = q.where('p.producer_id', '=', scope.producerId);
  else if (scope.kind === 'none') q = q.where(sql<boolean>`false`);
  const rows = await q.execute();
  return rows.map((r) => ({
    certificate: toCertificate(r, today, null),
    product: { id: r.product_id, nameVi: r.product_name },
    producer: { id: r.producer_id, name: r.producer_name },
  }));
}

/**
 * The names `defaultAuthority` needs for a product made in `unitId`, as the map stood on the
 * decision date: its province (the successor province when the old one had been merged by then,
 * e.g. Kon Tum → Quảng Ngãi from 01/07/2025) and its district, if it had one then.
 */
export async function authorityNames(
  db: Kysely<Database>,
  unitId: string,
  date: string,
): Promise<{ province: string | null; district: string | null }> {
  const [units, successors] = await Promise.all([
    db
      .selectFrom('admin_units')
      .select(['id', 'name', 'level', 'parent_id', 'valid_from', 'valid_to'])
      .execute(),
    db.selectFrom('admin_unit_successors').select(['predecessor_id', 'successor_id']).execute(),
  ]);
  const map = indexUnits(
    units.map((u) => ({
      id: u.id,
      name: u.name,
      level: u.level,
      parentId: u.parent_id,
      validFrom: u.valid_from,
      validTo: u.valid_to,
      successorIds: successors.filter((s) => s.predecessor_id === u.id).map((s) => s.successor_id),
    })),
  );
  const chain = ancestryOn(map, unitId, date) ?? [];
  let province = chain.find((u) => u.level === 'province');
  if (province && !isUnitValidOn(province, date)) {
    const next = currentSuccessors(map, province.id, date);
    if (next.length === 1) province = next[0];
  }
  const district = chain.find((u) => u.level === 'district' && isUnitValidOn(u, date));
  return { province: province?.name ?? null, district: district?.name ?? null };
}
