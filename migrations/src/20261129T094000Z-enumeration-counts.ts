import { sql, type Kysely } from 'kysely';

/**
 * Serial-enumeration misses shared by the API instances (reliability.md L02, security/enumeration.ts):
 * behind a load balancer each instance sees only its share of a prober's forged or unknown
 * verifications, so every instance adds its per-client counts of the current fixed window here
 * every few seconds (one statement, in the background, never in the verification) and reads back
 * the totals, which its sliding window then uses.
 * - `client_key`: the keyed hash of the client address (never the address: Law 91/2025/QH15).
 * - Only clients with misses are written (a prober, not every shopper); windows older than the
 *   previous one are deleted by the instances as their window turns, so the table stays small.
 * No audit trigger: these are counters, the alert (security_alerts) is the audited record.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table enumeration_counts (
      client_key text not null,
      window_start timestamptz not null,
      misses integer not null,
      constraint enumeration_counts_pkey primary key (client_key, window_start),
      constraint enumeration_counts_client check (length(client_key) between 1 and 200),
      constraint enumeration_counts_misses check (misses >= 0)
    )`.execute(db);
  // The prune of old windows.
  await sql`create index enumeration_counts_window_idx on enumeration_counts(window_start)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists enumeration_counts`.execute(db);
}
