import { sql, type Kysely } from 'kysely';

/**
 * EPCIS 2.0 events imported from partners into a batch's value chain (issue 10). Each imported
 * event becomes an ordinary value-chain step (a `batch_events` row, which consumers see), and the
 * event as received is kept here, so exports repeat it faithfully and a re-sent document imports
 * nothing twice.
 *
 * - `event_id` is the event's `eventID`, or a `ni:///sha-256;…` name of its canonical JSON when
 *   the partner sent none; it is unique per batch (idempotent import);
 * - `event` is the validated event (against the official EPCIS 2.0 JSON schema), as received;
 * - rows are audited like the registry (audit_row trigger).
 * Keyed by batch (unique on (batch_id, …)), so it can be distributed by batch like its parent.
 * @see GS1 EPCIS 2.0 §7.4.1 (eventID), CBV 2.0 §8.9 (event hash IDs)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table epcis_events (
      id uuid primary key default gen_random_uuid(),
      batch_id uuid not null references batches(id),
      batch_event_id uuid not null references batch_events(id),
      event_id text not null,
      event_type text not null,
      event jsonb not null,
      imported_by uuid references users(id),
      imported_at timestamptz not null default now(),
      constraint epcis_events_event_id check (length(event_id) between 1 and 1000),
      constraint epcis_events_event_type check (length(event_type) between 1 and 200),
      constraint epcis_events_event check (jsonb_typeof(event) = 'object')
    )`.execute(db);
  await sql`create unique index epcis_events_batch_event_id_key on epcis_events(batch_id, event_id)`.execute(
    db,
  );
  await sql`create unique index epcis_events_batch_event_key on epcis_events(batch_id, batch_event_id)`.execute(
    db,
  );
  await sql`create trigger epcis_events_audit after insert or update or delete on epcis_events
    for each row execute function audit_row()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists epcis_events`.execute(db);
}
