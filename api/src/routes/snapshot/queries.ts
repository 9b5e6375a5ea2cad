import { sql, type Kysely } from 'kysely';
import type { Database } from '@ocop/db';
import {
  SNAPSHOT_VERSION,
  batchPathOf,
  type PublicKeyInfo,
  type RegistrySnapshot,
  type SnapshotCertificate,
  type SnapshotRecall,
} from '@ocop/domain';
import { toPublicKeyInfo, type KeyRecord } from '../../plugins/keys.ts';

/**
 * For a revoked key, the batches (as batch paths) whose every code signed with it was issued before
 * its compromise: offline verifiers may still trust those (verify.ts, `issuedBefore`).
 */
async function batchesIssuedBefore(
  db: Kysely<Database>,
  kid: string,
  compromisedAt: string,
): Promise<string[]> {
  // A unit code's path is its batch path + `/21/` + serial (checked by codes_serial): cutting the
  // serial off costs a third of a regular expression over every code of the key.
  const { rows } = await sql<{ batch_path: string }>`
    select case when serial is null then path else left(path, length(path) - length(serial) - 4) end as batch_path
    from codes where kid = ${kid}
    group by 1
    having bool_and(issued_at < ${compromisedAt}::timestamptz)
    order by 1`.execute(db);
  return rows.map((r) => r.batch_path);
}

/**
 * The registry as an offline verifier needs it (DESIGN "Offline"), compact: every key with its
 * status, each certified product's current certificate (by public reference and GTIN), recalled
 * batches by batch path. Ordered, so two snapshots of the same registry differ only in `iat`.
 */
export async function buildSnapshot(
  db: Kysely<Database>,
  keys: readonly KeyRecord[],
  issuer: string,
  origins: readonly string[],
  now: Date,
): Promise<RegistrySnapshot> {
  const snapshotKeys: PublicKeyInfo[] = [];
  for (const k of [...keys].sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))) {
    const info = toPublicKeyInfo(k);
    if (k.status === 'revoked' && k.compromisedAt !== null) {
      info.issuedBefore = await batchesIssuedBefore(db, k.kid, k.compromisedAt);
    }
    snapshotKeys.push(info);
  }

  // Each product's current certificate: the active one, else the newest decision.
  const certRows = await db
    .selectFrom('certificates as c')
    .innerJoin('products as p', 'p.id', 'c.product_id')
    .select([
      'p.public_ref',
      'p.gtin',
      'p.name_vi',
      'c.stars',
      'c.level',
      'c.decision_no',
      'c.status',
      'c.valid_from',
      'c.valid_to',
      'c.revoked_at',
    ])
    .orderBy('p.public_ref')
    .orderBy(sql`c.status = 'active'`, 'desc')
    .orderBy('c.decision_date', 'desc')
    .orderBy('c.created_at', 'desc')
    .execute();
  const certificates: SnapshotCertificate[] = [];
  for (const c of certRows) {
    if (certificates.at(-1)?.ref === c.public_ref) continue;
    certificates.push({
      ref: c.public_ref,
      gtin: c.gtin,
      name: c.name_vi,
      stars: c.stars,
      level: c.level,
      decisionNo: c.decision_no,
      status: c.status,
      validFrom: c.valid_from,
      validTo: c.valid_to,
      revokedAt: c.revoked_at === null ? null : new Date(c.revoked_at).toISOString(),
    });
  }

  const recalledRows = await db
    .selectFrom('batches as b')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .select(['b.id', 'b.lot', 'b.recalled_at', 'p.gtin', 'p.public_ref'])
    .where('b.status', '=', 'recalled')
    .execute();
  // Codes printed before the product got (or changed) its GTIN keep their own path: every batch
  // code of the recalled batches, in one query (not one per batch).
  const printed = new Map<string, string[]>();
  if (recalledRows.length > 0) {
    const rows = await db
      .selectFrom('codes as c')
      .innerJoin('batches as b', 'b.id', 'c.batch_id')
      .select(['c.batch_id', 'c.path'])
      .where('c.kind', '=', 'batch')
      .where('b.status', '=', 'recalled')
      .execute();
    for (const r of rows) printed.set(r.batch_id, [...(printed.get(r.batch_id) ?? []), r.path]);
  }
  const recalls: SnapshotRecall[] = [];
  for (const b of recalledRows) {
    const recalledAt = b.recalled_at === null ? null : new Date(b.recalled_at).toISOString();
    const paths = new Set<string>();
    try {
      paths.add(batchPathOf({ gtin: b.gtin, productRef: b.gtin === null ? b.public_ref : null, lot: b.lot }));
    } catch {
      // A lot that cannot be in a code has no codes to recall.
    }
    for (const path of printed.get(b.id) ?? []) paths.add(path);
    for (const path of paths) recalls.push({ path, recalledAt });
  }
  recalls.sort((a, b) => (a.path < b.path ? -1 : 1));

  return {
    v: SNAPSHOT_VERSION,
    iss: issuer,
    iat: Math.floor(now.getTime() / 1000),
    origins: [...origins],
    keys: snapshotKeys,
    certificates,
    recalls,
  };
}
