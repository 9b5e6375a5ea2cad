import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, NewBatch, NewCertificate, NewProducer, NewProduct, NewZone } from '@ocop/db';
import { addDays, certificateValidTo, certifyingLevel, foldVietnamese, todayInVietnam } from '@ocop/domain';

/**
 * Registry rows for tests, inserted straight into the database (fast, no HTTP), each valid by the
 * domain rules unless a test overrides a field on purpose. Admin units come from the app's start
 * (seedAdminUnits), so build the app first. Every call makes fresh unique values (names, lots,
 * codes), so tests in one file never collide.
 */

let seq = 0;
function next(): string {
  seq += 1;
  return `${seq}${randomBytes(2).toString('hex')}`;
}

export const today = (): string => todayInVietnam(new Date());

export async function makeProducer(db: Kysely<Database>, o: Partial<NewProducer> = {}) {
  return db
    .insertInto('producers')
    .values({ name: `HTX Thử nghiệm ${next()}`, kind: 'HTX', admin_unit_id: 'qng-2025-ly-son', ...o })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A product; makes its producer unless `producer_id` is given. */
export async function makeProduct(db: Kysely<Database>, o: Partial<NewProduct> = {}) {
  const producerId = o.producer_id ?? (await makeProducer(db)).id;
  const producer = await db
    .selectFrom('producers')
    .select('name')
    .where('id', '=', producerId)
    .executeTakeFirstOrThrow();
  const name = o.name_vi ?? `Sản phẩm thử ${next()}`;
  return db
    .insertInto('products')
    .values({
      producer_id: producerId,
      criteria_set_id: '148/QĐ-TTg',
      category_code: 'I.1.a',
      origin_unit_id: null,
      name_vi: name,
      search_text: foldVietnamese(`${name} ${producer.name}`),
      ...o,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Scores that earn exactly `stars` under 148 with the mandatory criteria of that level. */
export const SCORES: Record<
  3 | 4 | 5,
  { score_a: number; score_b: number; score_c: number; total_score: number; mandatory_passed: number[] }
> = {
  3: { score_a: 25, score_b: 12, score_c: 18, total_score: 55, mandatory_passed: [3] },
  4: { score_a: 30, score_b: 18, score_c: 26, total_score: 74, mandatory_passed: [3, 4] },
  5: { score_a: 36, score_b: 22, score_c: 32, total_score: 90, mandatory_passed: [3, 4, 5] },
};

/**
 * A certificate of `productId`: by default 4★, decided 100 days ago by the level the law gave on
 * that day, valid 36 months. Pass `decision_date` to make it expired or due for renewal.
 */
export async function makeCertificate(
  db: Kysely<Database>,
  productId: string,
  o: Partial<NewCertificate> & { stars?: 3 | 4 | 5 } = {},
) {
  const stars = o.stars ?? 4;
  const decisionDate = o.decision_date ?? addDays(today(), -100);
  const level = certifyingLevel(decisionDate, stars);
  if (level === null || level === 'commune') throw new Error(`no certifying level on ${decisionDate}`);
  const { stars: _stars, ...rest } = o;
  return db
    .insertInto('certificates')
    .values({
      product_id: productId,
      criteria_set_id: '148/QĐ-TTg',
      ...SCORES[stars],
      mandatory_passed: [...SCORES[stars].mandatory_passed],
      stars,
      level,
      authority: 'UBND tỉnh Quảng Ngãi',
      decision_no: `${next()}/QĐ-UBND`,
      decision_date: decisionDate,
      valid_from: decisionDate,
      valid_to: certificateValidTo(decisionDate),
      ...rest,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A raw-material zone with a unique code of the OTHER scheme (any printable code is valid there). */
export async function makeZone(db: Kysely<Database>, o: Partial<NewZone> = {}) {
  return db
    .insertInto('raw_material_zones')
    .values({
      scheme: 'OTHER',
      code: `ZONE-${next()}`,
      issuer: 'Chi cục Trồng trọt và BVTV Quảng Ngãi',
      crop_or_species: 'Tỏi',
      valid_from: '2020-01-01',
      admin_unit_id: 'qng-2025-ly-son',
      ...o,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function makeBatch(db: Kysely<Database>, productId: string, o: Partial<NewBatch> = {}) {
  return db
    .insertInto('batches')
    .values({
      product_id: productId,
      lot: `L${next()}`,
      produced_on: addDays(today(), -10),
      best_before: addDays(today(), 300),
      quantity: 100,
      unit: 'kg',
      ...o,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
