import { sql, type Kysely } from 'kysely';

/**
 * Case history in the order it was written: events of one request can share a timestamp (the
 * embedded database's clock ticks in milliseconds), so each event gets a sequence number and the
 * history is read by it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table case_events add column seq bigserial`.execute(db);
  await sql`create index case_events_case_seq_idx on case_events(case_id, seq)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists case_events_case_seq_idx`.execute(db);
  await sql`alter table case_events drop column if exists seq`.execute(db);
}
