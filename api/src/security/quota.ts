import { sql, type Kysely } from 'kysely';
import type { Database } from '@ocop/db';
import { addDays, todayInVietnam } from '@ocop/domain';
import { AppError } from '../errors.ts';

/** The Vietnam day (UTC+7, no daylight saving) that `now` falls in, as instants. */
export function vietnamDay(now: Date): { day: string; start: Date; end: Date } {
  const day = todayInVietnam(now);
  return {
    day,
    start: new Date(`${day}T00:00:00+07:00`),
    end: new Date(`${addDays(day, 1)}T00:00:00+07:00`),
  };
}

/**
 * Unit codes a producer had issued (or reserved by a running job) since `since`: a finished or
 * failed job counts what it wrote, a running one all it asked for.
 */
export async function unitCodesIssuedSince(
  db: Kysely<Database>,
  producerId: string,
  since: Date,
): Promise<number> {
  const row = await db
    .selectFrom('issuance_jobs as j')
    .innerJoin('batches as b', 'b.id', 'j.batch_id')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .select(
      sql<number>`coalesce(sum(case when j.status = 'running' then j.total else j.done end), 0)`.as('n'),
    )
    .where('p.producer_id', '=', producerId)
    .where('j.created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * reliability.md A08: a producer may issue at most `perDay` unit codes a Vietnam day. Throws
 * `issuance_quota_exceeded` (429) when `requested` more would pass it. Inside a transaction, the
 * producer's row is locked first, so two concurrent requests cannot both take the last codes.
 */
export async function checkIssuanceQuota(
  db: Kysely<Database>,
  producerId: string,
  requested: number,
  perDay: number,
  now: Date = new Date(),
): Promise<void> {
  if (db.isTransaction) {
    await db.selectFrom('producers').select('id').where('id', '=', producerId).forUpdate().execute();
  }
  const { day, start, end } = vietnamDay(now);
  const used = await unitCodesIssuedSince(db, producerId, start);
  if (used + requested <= perDay) return;
  const left = Math.max(0, perDay - used);
  const fmt = (n: number) => n.toLocaleString('vi-VN');
  const vi =
    `Đã vượt hạn mức phát hành mã trong ngày ${day}: tối đa ${fmt(perDay)} mã đơn vị mỗi ngày cho mỗi chủ thể, ` +
    `hôm nay đã phát hành ${fmt(used)}, còn lại ${fmt(left)}, yêu cầu ${fmt(requested)}. ` +
    `Hãy thử lại sau 0 giờ (giờ Việt Nam) hoặc liên hệ văn phòng OCOP.`;
  const en =
    `Daily issuance quota exceeded on ${day}: at most ${perDay} unit codes a day per producer; ` +
    `${used} issued today, ${left} left, ${requested} asked. Try again after midnight (Vietnam time) ` +
    `or contact the OCOP office.`;
  throw new AppError('issuance_quota_exceeded', `${vi} — ${en}`, {
    detailVi: vi,
    detailEn: en,
    limit: perDay,
    used,
    requested,
    day,
    resetsAt: end.toISOString(),
  });
}
