import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { syncReferenceData, verifyAuditChain, type NewCertificate } from '@ocop/db';
import { createTestDb, type TestDb } from './helpers/db.ts';

/**
 * What must never be true is refused by the database itself, whatever code path writes (DESIGN
 * "Domain rules"; the registry and audit-log migrations). Each case builds a row that is valid
 * except for the one broken rule, so the rejection is that rule's.
 */
let t: TestDb;
let productId: string;
let criteriaSetId: string;

function certificate(overrides: Partial<NewCertificate> = {}): NewCertificate {
  return {
    product_id: productId,
    criteria_set_id: criteriaSetId,
    score_a: 30,
    score_b: 18,
    score_c: 26,
    total_score: 74,
    mandatory_passed: [3, 4],
    stars: 4,
    level: 'province',
    authority: 'UBND tỉnh Quảng Ngãi',
    decision_no: '1898/QĐ-UBND',
    decision_date: '2025-09-15',
    valid_from: '2025-09-15',
    valid_to: '2028-09-15',
    status: 'superseded',
    supersedes_id: null,
    revocation_reason: null,
    revocation_note: null,
    revoked_at: null,
    evidence_url: null,
    ...overrides,
  };
}

beforeAll(async () => {
  t = await createTestDb();
  await syncReferenceData(t.db);
  const category = await t.db
    .selectFrom('product_categories')
    .select(['criteria_set_id', 'code'])
    .where('criteria_set_id', '=', '148/QĐ-TTg')
    .orderBy('code')
    .executeTakeFirstOrThrow();
  criteriaSetId = category.criteria_set_id;
  const producer = await t.db
    .insertInto('producers')
    .values({
      name: 'HTX thử nghiệm ràng buộc',
      kind: 'HTX',
      tax_code: null,
      address_line: null,
      admin_unit_id: null,
      representative: null,
      phone: null,
      email: null,
      website: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const product = await t.db
    .insertInto('products')
    .values({
      producer_id: producer.id,
      criteria_set_id: category.criteria_set_id,
      category_code: category.code,
      origin_unit_id: null,
      name_vi: 'Sản phẩm thử nghiệm',
      name_en: null,
      description_vi: null,
      description_en: null,
      gtin: null,
      image_path: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  productId = product.id;
  await t.db
    .insertInto('batches')
    .values({
      product_id: productId,
      lot: 'TST-2026-001',
      produced_on: '2026-01-10',
      best_before: '2027-01-10',
      quantity: 100,
      unit: 'hộp',
      recall_reason: null,
      recalled_at: null,
      recalled_by: null,
      created_by: null,
    })
    .execute();
});

afterAll(async () => {
  await t?.drop();
});

describe('the registry refuses', () => {
  it('a second batch with the same lot for a product', async () => {
    await expect(
      t.db
        .insertInto('batches')
        .values({
          product_id: productId,
          lot: 'TST-2026-001',
          produced_on: '2026-02-10',
          best_before: null,
          quantity: 5,
          unit: 'kg',
          recall_reason: null,
          recalled_at: null,
          recalled_by: null,
          created_by: null,
        })
        .execute(),
    ).rejects.toThrow(/batches_product_lot_key/);
  });

  it('accepts a well-formed certificate (the baseline of the cases below)', async () => {
    const row = await t.db
      .insertInto('certificates')
      .values(certificate())
      .returning('id')
      .executeTakeFirst();
    expect(row?.id).toBeTruthy();
  });

  it.each([
    [0, /certificates_(certified_)?stars/],
    [2, /certificates_certified_stars/],
    [6, /certificates_stars/],
  ])('a certificate with %i stars', async (stars, constraint) => {
    await expect(t.db.insertInto('certificates').values(certificate({ stars })).execute()).rejects.toThrow(
      constraint,
    );
  });

  it('a certificate whose valid_to is before its valid_from', async () => {
    await expect(
      t.db
        .insertInto('certificates')
        .values(certificate({ valid_from: '2025-09-15', valid_to: '2025-09-14' }))
        .execute(),
    ).rejects.toThrow(/certificates_validity/);
  });

  it('a revoked certificate without a reason', async () => {
    await expect(
      t.db
        .insertInto('certificates')
        .values(certificate({ status: 'revoked', revoked_at: new Date(), revocation_reason: null }))
        .execute(),
    ).rejects.toThrow(/certificates_revocation/);
  });

  it('revoking an existing certificate without a reason', async () => {
    const { id } = await t.db
      .insertInto('certificates')
      .values(certificate())
      .returning('id')
      .executeTakeFirstOrThrow();
    await expect(
      t.db
        .updateTable('certificates')
        .set({ status: 'revoked', revoked_at: new Date() })
        .where('id', '=', id)
        .execute(),
    ).rejects.toThrow(/certificates_revocation/);
  });
});

describe('the audit log', () => {
  it('has entries for the rows written above', async () => {
    const { n } = await t.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBeGreaterThan(0);
  });

  it('refuses UPDATE', async () => {
    await expect(sql`update audit_log set action = 'tampered'`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('refuses DELETE', async () => {
    await expect(sql`delete from audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('refuses TRUNCATE', async () => {
    await expect(sql`truncate audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('verifies as an unbroken chain', async () => {
    const result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.entries).toBeGreaterThan(0);
  });
});

describe('verifyAuditChain', () => {
  it('names the first altered entry (on a throwaway database, with the guard trigger lifted)', async () => {
    const scratch = await createTestDb();
    try {
      await syncReferenceData(scratch.db);
      // Migrations may seed reference rows (audited too); count from whatever they left.
      const start = await verifyAuditChain(scratch.db);
      const base = start.ok ? start.entries : Number.NaN;
      for (const name of ['Chủ thể A', 'Chủ thể B', 'Chủ thể C']) {
        await scratch.db
          .insertInto('producers')
          .values({
            name,
            kind: 'HKD',
            tax_code: null,
            address_line: null,
            admin_unit_id: null,
            representative: null,
            phone: null,
            email: null,
            website: null,
          })
          .execute();
      }
      const before = await verifyAuditChain(scratch.db);
      expect(before).toEqual({ ok: true, entries: base + 3 });
      const target = base + 2; // the second producer's entry

      // The log refuses UPDATE; only an owner who lifts the guard can tamper, and the chain shows it.
      await scratch.db.transaction().execute(async (trx) => {
        await sql`alter table audit_log disable trigger audit_log_no_update`.execute(trx);
        await sql`update audit_log set data = jsonb_set(data, '{name}', '"Chủ thể giả mạo"') where seq = ${target}`.execute(
          trx,
        );
        await sql`alter table audit_log enable trigger audit_log_no_update`.execute(trx);
      });
      const after = await verifyAuditChain(scratch.db);
      expect(after.ok).toBe(false);
      if (!after.ok) {
        expect(after.firstBrokenSeq).toBe(target);
        expect(after.reason).toMatch(/^hash/);
      }
      // The guard is back in place.
      await expect(sql`delete from audit_log`.execute(scratch.db)).rejects.toThrow(/append-only/);
    } finally {
      await scratch.drop();
    }
  });
});
