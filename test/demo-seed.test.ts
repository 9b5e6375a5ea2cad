import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import {
  CRITERIA_SETS,
  addMonths,
  certificateStateOn,
  certificateValidTo,
  certifyingLevel,
  checkZoneCode,
  compareDates,
  evaluateScores,
  foldVietnamese,
  isRenewalDue,
  isValidGtin,
  isWithin,
  todayInVietnam,
  vietnamDateOf,
} from '@ocop/domain';
import {
  DEMO_ACCOUNTS,
  DEMO_PASSWORD,
  DEMO_PRODUCER_NAME,
  QNG_PROVINCE_2025_ID,
  seedAdminUnits,
  seedDemo,
  syncReferenceData,
  verifyAuditChain,
  type Database,
  type SeedDemoSummary,
} from '@ocop/db';
import { hashPassword, verifyPassword } from '../api/src/auth/passwords.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

/** A `date` column as `YYYY-MM-DD`, whichever shape the driver returned it in. */
function iso(value: unknown): string {
  if (typeof value === 'string') return value.slice(0, 10);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  throw new Error(`not a date: ${String(value)}`);
}

function day(value: Date | string): string {
  const d = vietnamDateOf(value instanceof Date ? value.toISOString() : value);
  if (!d) throw new Error(`not a timestamp: ${String(value)}`);
  return d;
}

async function certificates(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('certificates as c')
    .innerJoin('products as p', 'p.id', 'c.product_id')
    .selectAll('c')
    .select('p.name_vi')
    .execute();
  return rows.map((r) => ({
    ...r,
    decision_date: iso(r.decision_date),
    valid_from: iso(r.valid_from),
    valid_to: iso(r.valid_to),
  }));
}

function stateOn(c: Awaited<ReturnType<typeof certificates>>[number], today: string) {
  return certificateStateOn(
    {
      status: c.status,
      validFrom: c.valid_from,
      validTo: c.valid_to,
      revokedAt: c.revoked_at ? c.revoked_at.toISOString() : null,
    },
    today,
  );
}

async function batches(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('batches as b')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .selectAll('b')
    .select('p.name_vi')
    .execute();
  return rows.map((r) => ({
    ...r,
    produced_on: iso(r.produced_on),
    best_before: r.best_before === null ? null : iso(r.best_before),
  }));
}

/** The states DESIGN's demo mode promises, read back from the database. */
async function expectGuarantees(db: Kysely<Database>, today: string): Promise<void> {
  const certs = await certificates(db);
  for (const stars of [3, 4, 5]) {
    expect(
      certs.some((c) => c.stars === stars && c.status === 'active' && stateOn(c, today) === 'valid'),
      `a valid ${stars}★ certificate on ${today}`,
    ).toBe(true);
  }
  const expired = certs.filter(
    (c) =>
      c.status === 'active' &&
      compareDates(c.valid_to, today) < 0 &&
      compareDates(c.decision_date, addMonths(today, -36)) < 0 &&
      certs.filter((o) => o.product_id === c.product_id).length === 1,
  );
  expect(expired.length, 'a product whose only certificate expired').toBeGreaterThan(0);
  expect(
    certs.some(
      (c) =>
        c.status === 'revoked' &&
        ['FOOD_SAFETY', 'FAILED_REEVALUATION'].includes(c.revocation_reason ?? '') &&
        c.revoked_at !== null &&
        compareDates(day(c.revoked_at), today) <= 0,
    ),
    'a revoked certificate with its reason',
  ).toBe(true);
  expect(
    certs.some(
      (c) => c.status === 'active' && stateOn(c, today) === 'valid' && isRenewalDue(c.valid_to, today),
    ),
    'an active certificate expiring within 30 days',
  ).toBe(true);
  const bs = await batches(db);
  expect(bs.some((b) => b.status === 'recalled' && b.recall_reason && b.recalled_at)).toBe(true);
  expect(bs.some((b) => b.best_before !== null && compareDates(b.best_before, today) < 0)).toBe(true);
  expect(
    bs.some((b) =>
      expired.some((c) => c.product_id === b.product_id && isWithin(b.produced_on, c.valid_from, c.valid_to)),
    ),
    'a batch of the expired product made while its certificate was valid',
  ).toBe(true);
}

const today = todayInVietnam(new Date());
let t: TestDb;
let first: SeedDemoSummary;

beforeAll(async () => {
  t = await createTestDb();
  first = await seedDemo(t.db, { hashPassword, today });
});

afterAll(async () => {
  await t?.drop();
});

describe('seedDemo', () => {
  it('seeds a province and reports what it wrote', async () => {
    expect(first.seeded).toBe(true);
    const count = async (
      table: 'producers' | 'products' | 'certificates' | 'batches' | 'raw_material_zones' | 'users',
    ) =>
      Number(
        (
          await t.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(first).toEqual({
      seeded: true,
      producers: await count('producers'),
      products: await count('products'),
      certificates: await count('certificates'),
      batches: await count('batches'),
      zones: await count('raw_material_zones'),
      users: await count('users'),
    });
    expect(first.products).toBeGreaterThanOrEqual(20);
  });

  it(`holds every guaranteed state on ${today}`, async () => {
    await expectGuarantees(t.db, today);
  });

  it('names the examples others can test against', async () => {
    const certs = await certificates(t.db);
    const of = (name: string) => certs.filter((c) => c.name_vi === name);

    const expired = of('Nước mắm cốt đặc biệt Mười Quý');
    expect(expired).toHaveLength(1);
    expect(stateOn(expired[0]!, today)).toBe('expired');

    const revoked = of('Tỏi Lý Sơn ngâm mật ong Dori');
    expect(revoked.map((c) => [c.status, c.revocation_reason])).toEqual([['revoked', 'FAILED_REEVALUATION']]);

    const chain = of('Cao tỏi đen Phú Sinh').sort((a, b) => compareDates(a.decision_date, b.decision_date));
    expect(chain.map((c) => [c.stars, c.status])).toEqual([
      [3, 'superseded'],
      [4, 'active'],
    ]);
    expect(chain[1]!.supersedes_id).toBe(chain[0]!.id);
    expect(isWithin(chain[1]!.decision_date, chain[0]!.valid_from, chain[0]!.valid_to)).toBe(true);

    const five = of('Tỏi Lý Sơn');
    expect(five.map((c) => [c.stars, c.decision_no, c.level])).toEqual([[5, '2361/QĐ-BNNMT', 'central']]);

    expect(of('Vang Sim rừng Măng Đen').map((c) => isRenewalDue(c.valid_to, today))).toEqual([true]);
    expect(of('Mật mía Miền Xanh')).toEqual([]);

    const recalled = (await batches(t.db)).filter((b) => b.status === 'recalled');
    expect(recalled.map((b) => [b.name_vi, b.lot.replace(/-\d{4}-/, '-YYYY-')])).toEqual([
      ['Tỏi đen cô đơn', 'TDCD-YYYY-004'],
    ]);
  });

  it('gives every certificate the stars, level and validity its scores and date call for', async () => {
    for (const c of await certificates(t.db)) {
      const set = CRITERIA_SETS.find((s) => s.id === c.criteria_set_id);
      expect(set, c.criteria_set_id).toBeDefined();
      const [a, b, cc, total] = [c.score_a, c.score_b, c.score_c, c.total_score].map(Number);
      expect(a! + b! + cc!).toBeCloseTo(total!, 6);
      const evaluation = evaluateScores(
        { scoreA: a!, scoreB: b!, scoreC: cc!, mandatoryPassed: c.mandatory_passed },
        set!,
      );
      expect(evaluation.ok && evaluation.stars, `${c.name_vi} ${c.decision_no}`).toBe(c.stars);
      expect(c.level).toBe(certifyingLevel(c.decision_date, c.stars));
      expect(c.valid_from).toBe(c.decision_date);
      expect(c.valid_to).toBe(certificateValidTo(c.decision_date));
      expect(compareDates(c.decision_date, today)).toBeLessThanOrEqual(0);
      expect(c.decision_no).toMatch(/^\d+\/QĐ-[A-ZĐ-]+$/u);
    }
  });

  it('makes every batch under a certificate valid on its production date, never in the future', async () => {
    const certs = await certificates(t.db);
    for (const b of await batches(t.db)) {
      expect(compareDates(b.produced_on, today)).toBeLessThanOrEqual(0);
      const covering = certs.filter(
        (c) =>
          c.product_id === b.product_id &&
          isWithin(b.produced_on, c.valid_from, c.valid_to) &&
          (c.revoked_at === null || compareDates(b.produced_on, day(c.revoked_at)) < 0),
      );
      expect(covering.length, `${b.name_vi} ${b.lot}`).toBeGreaterThan(0);
      expect(b.lot).toMatch(/^[A-Z]+-\d{4}-\d{3}$/);
    }
  });

  it('records each batch’s value chain in time order', async () => {
    const events = await t.db
      .selectFrom('batch_events')
      .select(['batch_id', 'type', 'occurred_at'])
      .orderBy('batch_id')
      .orderBy('occurred_at')
      .execute();
    const stage: Record<string, number> = {
      harvest: 0,
      receiving: 0,
      processing: 1,
      packaging: 2,
      shipping: 3,
    };
    const byBatch = new Map<string, typeof events>();
    for (const e of events) byBatch.set(e.batch_id, [...(byBatch.get(e.batch_id) ?? []), e]);
    const bs = await batches(t.db);
    expect(byBatch.size).toBe(bs.length);
    for (const b of bs) {
      const list = byBatch.get(b.id) ?? [];
      expect(list.length).toBeGreaterThanOrEqual(3);
      const stages = list.map((e) => stage[e.type]);
      expect(stages, b.lot).toEqual([...stages].sort((x, y) => x! - y!));
      expect(new Set(stages).size, b.lot).toBe(stages.length);
      const packaging = list.find((e) => e.type === 'packaging');
      expect(packaging && day(packaging.occurred_at as Date)).toBe(b.produced_on);
      for (const e of list) expect(compareDates(day(e.occurred_at as Date), today)).toBeLessThanOrEqual(0);
    }
  });

  it('uses raw-material zones with well-formed codes, linked to batches', async () => {
    const zones = await t.db
      .selectFrom('raw_material_zones')
      .select(['scheme', 'code', 'standards'])
      .execute();
    expect(zones.length).toBeGreaterThanOrEqual(5);
    for (const z of zones) expect(checkZoneCode(z.scheme, z.code), z.code).toEqual({ ok: true });
    expect(zones.some((z) => z.scheme === 'VUNG_TRONG' && z.code.startsWith('VN-51-536-'))).toBe(true);
    expect(zones.some((z) => z.standards.includes('VietGAP'))).toBe(true);
    const { n } = await t.db
      .selectFrom('batch_zones')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBeGreaterThan(0);
  });

  it('gives GTINs only where valid, and search text folded from name, producer and place', async () => {
    const products = await t.db
      .selectFrom('products as p')
      .innerJoin('producers as r', 'r.id', 'p.producer_id')
      .leftJoin('admin_units as u', 'u.id', 'p.origin_unit_id')
      .select(['p.name_vi', 'p.gtin', 'p.search_text', 'r.name as producer', 'u.name as place'])
      .execute();
    const gtins = products.flatMap((p) => (p.gtin ? [p.gtin] : []));
    expect(gtins.length).toBeGreaterThan(0);
    expect(gtins.length).toBeLessThan(products.length);
    for (const g of gtins) expect(isValidGtin(g), g).toBe(true);
    for (const p of products) {
      expect(p.search_text).toBe(foldVietnamese(`${p.name_vi} ${p.producer} ${p.place ?? ''}`));
    }
    expect(products.find((p) => p.name_vi === 'Tỏi Lý Sơn')?.search_text).toContain('toi ly son');
  });

  it('creates the demo accounts, whose password verifies', async () => {
    const users = await t.db
      .selectFrom('users as u')
      .leftJoin('producers as p', 'p.id', 'u.producer_id')
      .select(['u.email', 'u.role', 'u.password_hash', 'u.admin_unit_id', 'p.name as producer'])
      .orderBy('u.email')
      .execute();
    expect(users.map((u) => [u.email, u.role])).toEqual(
      [...DEMO_ACCOUNTS].sort((a, b) => a.email.localeCompare(b.email)).map((a) => [a.email, a.role]),
    );
    expect(users.map((u) => u.email)).toEqual(
      expect.arrayContaining(['admin@demo.ocop.vn', 'producer@demo.ocop.vn', 'inspector@demo.ocop.vn']),
    );
    expect(users.find((u) => u.role === 'producer')?.producer).toBe(DEMO_PRODUCER_NAME);
    expect(users.find((u) => u.role === 'officer')?.admin_unit_id).toBe(QNG_PROVINCE_2025_ID);
    for (const u of users) {
      expect(await verifyPassword(DEMO_PASSWORD, u.password_hash), u.email).toBe(true);
      expect(await verifyPassword('not-the-password', u.password_hash)).toBe(false);
    }
  });

  it('links the old provinces and districts to their successors', async () => {
    const links = await t.db.selectFrom('admin_unit_successors').selectAll().execute();
    const to = (id: string) => links.filter((l) => l.predecessor_id === id).map((l) => l.successor_id);
    expect(to('qng-tinh')).toEqual([QNG_PROVINCE_2025_ID]);
    expect(to('ktm-tinh')).toEqual([QNG_PROVINCE_2025_ID]);
    expect(to('qng-ly-son-huyen')).toEqual(['qng-2025-ly-son']);
  });

  it('seeds nothing the second time', async () => {
    const again = await seedDemo(t.db, { hashPassword, today });
    expect(again).toEqual({
      seeded: false,
      producers: 0,
      products: 0,
      certificates: 0,
      batches: 0,
      zones: 0,
      users: 0,
    });
    const { n } = await t.db
      .selectFrom('producers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(first.producers);
  });

  it('syncs reference data idempotently', async () => {
    const before = await sql<{ t: string; n: number }>`
      select 'criteria_sets' as t, count(*) as n from criteria_sets
      union all select 'star_bands', count(*) from star_bands
      union all select 'certifying_periods', count(*) from certifying_periods
      union all select 'product_categories', count(*) from product_categories
      union all select 'admin_units', count(*) from admin_units`.execute(t.db);
    expect(await syncReferenceData(t.db)).toEqual({
      criteriaSets: 0,
      starBands: 0,
      certifyingPeriods: 0,
      categories: 0,
    });
    expect(await seedAdminUnits(t.db)).toEqual({ units: 0, successors: 0 });
    const after = await sql<{ t: string; n: number }>`
      select 'criteria_sets' as t, count(*) as n from criteria_sets
      union all select 'star_bands', count(*) from star_bands
      union all select 'certifying_periods', count(*) from certifying_periods
      union all select 'product_categories', count(*) from product_categories
      union all select 'admin_units', count(*) from admin_units`.execute(t.db);
    expect(after.rows).toEqual(before.rows);
    expect(before.rows.every((r) => Number(r.n) > 0)).toBe(true);
  });

  it('leaves an audit trail whose hash chain verifies', async () => {
    const { n } = await t.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBeGreaterThan(0);
    expect(await verifyAuditChain(t.db)).toEqual({ ok: true, entries: Number(n) });
    const secrets = await sql<{ n: number }>`
      select count(*) as n from audit_log where entity = 'users' and data ? 'password_hash'`.execute(t.db);
    expect(Number(secrets.rows[0]?.n)).toBe(0);
  });
});

describe('seedDemo on other days', () => {
  // The seed is dated relative to `today`; the guarantees must hold on the first day of the merged
  // province and years later alike. A fast stand-in hash keeps this test quick.
  const fastHash = async (p: string) => `test$${p}`;

  it.each(['2025-07-01', '2031-02-28'])('holds every guaranteed state on %s', async (date) => {
    const scratch = await createTestDb();
    try {
      const summary = await seedDemo(scratch.db, { hashPassword: fastHash, today: date });
      expect(summary.seeded).toBe(true);
      await expectGuarantees(scratch.db, date);
    } finally {
      await scratch.drop();
    }
  });

  it('refuses a day before the merged province existed', async () => {
    await expect(seedDemo(t.db, { hashPassword, today: '2025-06-30' })).rejects.toThrow(RangeError);
  });
});
