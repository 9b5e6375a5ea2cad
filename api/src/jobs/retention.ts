import { sql, type Kysely } from 'kysely';
import type { Database } from '@ocop/db';

/**
 * Retention of personal data (Law 91/2025/QH15 on personal data protection; Decree 356/2025/NĐ-CP:
 * keep personal data no longer than its purpose needs). What identifies a person is erased after
 * a configurable number of days; what the registry counts stays, so scan histories ("scanned 3
 * times, first on …"), copy detection over recent scans and report statistics are unchanged:
 * - scans: the keyed device hash and any consented GPS position (lat/lng) are erased after
 *   `scanDays` (default 90); path, time, verdict, coarse area and user-agent class remain;
 * - reports: the contact, place and free-text details a consumer gave are erased after
 *   `reportDays` (default 365); reason, product, verdict, code and status remain.
 * Run daily by `npm run retention` (api/src/cli/retention.ts) from cron or a systemd timer.
 */
export interface RetentionOptions {
  now?: Date;
  scanDays?: number;
  reportDays?: number;
  /** Count what would be erased without changing anything. */
  dryRun?: boolean;
}

export interface RetentionResult {
  scanCutoff: string;
  reportCutoff: string;
  /** Scans whose device hash or position was erased (null: no scans table in this database). */
  scans: number | null;
  reports: number;
  dryRun: boolean;
}

export const DEFAULT_SCAN_DAYS = 90;
export const DEFAULT_REPORT_DAYS = 365;

function cutoff(now: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 1)
    throw new Error(`retention days must be a positive integer, got ${days}`);
  return new Date(now.getTime() - days * 86_400_000);
}

async function hasTable(db: Kysely<Database>, name: string): Promise<boolean> {
  const { rows } = await sql<{ t: string | null }>`select to_regclass(${name})::text as t`.execute(db);
  return rows[0]?.t != null;
}

export async function runRetention(
  db: Kysely<Database>,
  opts: RetentionOptions = {},
): Promise<RetentionResult> {
  const now = opts.now ?? new Date();
  const scanCutoff = cutoff(now, opts.scanDays ?? DEFAULT_SCAN_DAYS);
  const reportCutoff = cutoff(now, opts.reportDays ?? DEFAULT_REPORT_DAYS);
  const dryRun = opts.dryRun ?? false;
  return db.transaction().execute(async (trx) => {
    let scans: number | null = null;
    if (await hasTable(trx, 'scans')) {
      const { rows } = dryRun
        ? await sql<{ n: number }>`select count(*)::int as n from scans
            where scanned_at < ${scanCutoff} and (device_hash is not null or lat is not null)`.execute(trx)
        : await sql<{ n: number }>`with done as (
            update scans set device_hash = null, lat = null, lng = null
            where scanned_at < ${scanCutoff} and (device_hash is not null or lat is not null)
            returning 1)
          select count(*)::int as n from done`.execute(trx);
      scans = rows[0]?.n ?? 0;
    }
    const reportFilter = sql`created_at < ${reportCutoff}
      and (contact is not null or place is not null or details is not null)`;
    const { rows: reportRows } = dryRun
      ? await sql<{ n: number }>`select count(*)::int as n from reports where ${reportFilter}`.execute(trx)
      : await sql<{ n: number }>`with done as (
          update reports set contact = null, place = null, details = null where ${reportFilter} returning 1)
        select count(*)::int as n from done`.execute(trx);
    return {
      scanCutoff: scanCutoff.toISOString(),
      reportCutoff: reportCutoff.toISOString(),
      scans,
      reports: reportRows[0]?.n ?? 0,
      dryRun,
    };
  });
}
