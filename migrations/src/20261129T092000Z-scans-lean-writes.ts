import { sql, type Kysely } from 'kysely';

/**
 * Storing a scan costs PostgreSQL about 40 % less (docs/scale.md, "What a scan costs"): every
 * verification writes one row, so this is the write that grows with the market.
 *
 * - `scans_device_hash` says the same as in migration 20261129T044000Z-codes with a `+` class and
 *   the length compared apart: PostgreSQL's regular-expression engine expands the bounded repeat
 *   `{64}` into 64 states, which cost more than the rest of the row (the same fix as
 *   20261129T090000Z-codes-fast-checks; migrations/scans-checks.test.ts runs both side by side).
 * - The primary key becomes `(path, scanned_at, id)` and takes over from `scans_path_time_idx`,
 *   which it makes redundant: every lookup of a code's scans (by path, by path and time) is served
 *   by its leading columns. One index fewer to maintain per row, and the random `id` no longer
 *   decides where in the index a code's scans go, so they are appended in time order. The key
 *   still starts with the distribution column, `path` (packages/db/src/citus.ts).
 *
 * Locks: the new unique index is built under a SHARE lock (scans are still read; the scan log
 * holds new ones in memory and writes them once the migration commits), then the constraints are
 * swapped under a brief ACCESS EXCLUSIVE lock. The device check is added `not valid`: the rows
 * already there passed the original check, which accepts exactly the same texts.
 */
export const SLOW_DEVICE = sql`device_hash is null or device_hash ~ '^[0-9a-f]{64}$'`;
export const FAST_DEVICE = sql`device_hash is null or (length(device_hash) = 64 and device_hash !~ '[^0-9a-f]')`;

async function deviceCheck(db: Kysely<unknown>, check: typeof SLOW_DEVICE): Promise<void> {
  await sql`alter table scans drop constraint scans_device_hash,
    add constraint scans_device_hash check (${check}) not valid`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await deviceCheck(db, FAST_DEVICE);
  await sql`create unique index scans_path_time_id_key on scans (path, scanned_at, id)`.execute(db);
  await sql`alter table scans drop constraint scans_pkey,
    add constraint scans_pkey primary key using index scans_path_time_id_key`.execute(db);
  await sql`drop index scans_path_time_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index scans_path_time_idx on scans (path, scanned_at)`.execute(db);
  await sql`create unique index scans_path_id_key on scans (path, id)`.execute(db);
  await sql`alter table scans drop constraint scans_pkey,
    add constraint scans_pkey primary key using index scans_path_id_key`.execute(db);
  await deviceCheck(db, SLOW_DEVICE);
}
