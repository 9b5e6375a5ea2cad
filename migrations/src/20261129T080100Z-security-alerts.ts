import { sql, type Kysely } from 'kysely';

/**
 * Security alerts the office lists (issue 8, reliability.md A08 and L02): one row per kind, subject
 * and window, counted up while the window lasts, so an alert fires once per subject per window.
 * - `issuance_quota_exceeded`: a producer asked for more unit codes than its daily quota; subject
 *   the producer id, window the Vietnam day.
 * - `enumeration_suspected`: one client sent many forged or unknown codes to the verification;
 *   subject a keyed hash of the client address (never the address: Law 91/2025/QH15), window the
 *   counting window.
 * Each new alert is also an audit entry (insert trigger); the count updates are not.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table security_alerts (
      id uuid primary key default gen_random_uuid(),
      kind text not null,
      subject text not null,
      window_start timestamptz not null,
      count integer not null default 1,
      details jsonb not null default '{}'::jsonb,
      first_at timestamptz not null default now(),
      last_at timestamptz not null default now(),
      constraint security_alerts_kind check (kind in ('issuance_quota_exceeded', 'enumeration_suspected')),
      constraint security_alerts_subject check (length(subject) between 1 and 200),
      constraint security_alerts_count check (count >= 1),
      constraint security_alerts_once unique (kind, subject, window_start)
    )`.execute(db);
  await sql`create index security_alerts_last_idx on security_alerts(last_at desc)`.execute(db);
  await sql`create trigger security_alerts_audit after insert on security_alerts
    for each row execute function audit_row()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists security_alerts`.execute(db);
}
