import { randomBytes, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '@ocop/db';
import { addDays, addMonths, gtinCheckDigit, todayInVietnam } from '@ocop/domain';

/**
 * Registry rows for the signed-code tests (issue 4), inserted straight into the database: a
 * producer, a product (with or without GTIN), its certificate and a batch, valid by the domain
 * rules unless a test asks otherwise. Build the app first (admin units come with its start).
 */

let seq = 0;
const next = () => `${++seq}${randomBytes(2).toString('hex')}`;

export const today = (): string => todayInVietnam(new Date());

/** A random valid GTIN-14 under the GS1 Vietnam prefix 893 (company prefix 893999 as the demo). */
export function randomGtin(): string {
  const body = `0893999${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
  return body + gtinCheckDigit(body);
}

const SCORES = {
  3: { score_a: 25, score_b: 12, score_c: 18, total_score: 55, mandatory_passed: [3] },
  4: { score_a: 30, score_b: 18, score_c: 26, total_score: 74, mandatory_passed: [3, 4] },
  5: { score_a: 36, score_b: 22, score_c: 32, total_score: 90, mandatory_passed: [3, 4, 5] },
} as const;

export interface CertifiedBatchOptions {
  /** A GTIN-14, null for a product without one (codes under /p/{ref}); default: a random GTIN. */
  gtin?: string | null;
  stars?: 3 | 4 | 5;
  /** Decision date of the certificate; default 100 days ago (valid 36 months from it). */
  decisionDate?: string;
  /** Production date; default 10 days ago. */
  producedOn?: string;
  bestBefore?: string | null;
  lot?: string;
  quantity?: number;
  unit?: string;
  producerUnitId?: string;
}

export interface CertifiedBatch {
  producerId: string;
  productId: string;
  publicRef: string;
  gtin: string | null;
  certificateId: string;
  batchId: string;
  lot: string;
}

/** A producer with a certified product and a batch made while the certificate was valid. */
export async function makeCertifiedBatch(
  db: Kysely<Database>,
  o: CertifiedBatchOptions = {},
): Promise<CertifiedBatch> {
  const t = today();
  const stars = o.stars ?? 4;
  const decisionDate = o.decisionDate ?? addDays(t, -100);
  const producedOn = o.producedOn ?? addDays(t, -10);
  const producer = await db
    .insertInto('producers')
    .values({
      name: `HTX Mã thử ${next()}`,
      kind: 'HTX',
      admin_unit_id: o.producerUnitId ?? 'qng-2025-ly-son',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const gtin = o.gtin === undefined ? randomGtin() : o.gtin;
  const product = await db
    .insertInto('products')
    .values({
      producer_id: producer.id,
      criteria_set_id: '148/QĐ-TTg',
      category_code: 'I.1.a',
      name_vi: `Nước mắm thử ${next()}`,
      gtin,
    })
    .returning(['id', 'public_ref'])
    .executeTakeFirstOrThrow();
  const certificate = await db
    .insertInto('certificates')
    .values({
      product_id: product.id,
      criteria_set_id: '148/QĐ-TTg',
      ...SCORES[stars],
      mandatory_passed: [...SCORES[stars].mandatory_passed],
      stars,
      level: 'province',
      authority: 'UBND tỉnh Quảng Ngãi',
      decision_no: `${randomInt(100, 9999)}/QĐ-UBND`,
      decision_date: decisionDate,
      valid_from: decisionDate,
      valid_to: addMonths(decisionDate, 36),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const lot = o.lot ?? `L${next()}`;
  const batch = await db
    .insertInto('batches')
    .values({
      product_id: product.id,
      lot,
      produced_on: producedOn,
      best_before: o.bestBefore === undefined ? addMonths(producedOn, 12) : o.bestBefore,
      quantity: o.quantity ?? 500,
      unit: o.unit ?? 'chai',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return {
    producerId: producer.id,
    productId: product.id,
    publicRef: product.public_ref,
    gtin,
    certificateId: certificate.id,
    batchId: batch.id,
    lot,
  };
}

/** Revokes a certificate from `on` (default today) with a reason. */
export async function revokeCertificate(
  db: Kysely<Database>,
  certificateId: string,
  on = today(),
): Promise<void> {
  await db
    .updateTable('certificates')
    .set({
      status: 'revoked',
      revoked_at: new Date(`${on}T09:00:00+07:00`),
      revocation_reason: 'FOOD_SAFETY',
    })
    .where('id', '=', certificateId)
    .execute();
}

/** Recalls a batch. */
export async function recallBatch(db: Kysely<Database>, batchId: string): Promise<void> {
  await db
    .updateTable('batches')
    .set({ status: 'recalled', recalled_at: new Date(), recall_reason: 'Nhiễm khuẩn (thử nghiệm)' })
    .where('id', '=', batchId)
    .execute();
}

/** Moves a certificate into the past so it expired `daysAgo` days ago (its batch stays inside it). */
export async function expireCertificate(
  db: Kysely<Database>,
  certificateId: string,
  daysAgo = 5,
): Promise<void> {
  const validTo = addDays(today(), -daysAgo);
  const decision = addMonths(validTo, -36);
  await db
    .updateTable('certificates')
    .set({ decision_date: decision, valid_from: decision, valid_to: validTo })
    .where('id', '=', certificateId)
    .execute();
}
