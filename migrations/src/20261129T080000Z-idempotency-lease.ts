import { sql, type Kysely } from 'kysely';

/**
 * Idempotency claims as leases (issue 8, reliability.md D04/I03):
 * - `claim_token` names the request that holds a claim: only that request may record the answer
 *   (inside its own create transaction) or release the claim, so a request that lost its claim can
 *   never store over the one that took it over.
 * - `lease_until` is renewed by the running request (a heartbeat), so a long issuance keeps its
 *   claim for as long as it runs; a claim whose lease ran out (its process stopped) may be taken
 *   over. Rows claimed before this migration have no lease: their claim lasts a minute from
 *   `created_at`, as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table idempotency_keys
      add column claim_token uuid,
      add column lease_until timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table idempotency_keys drop column if exists lease_until, drop column if exists claim_token`.execute(
    db,
  );
}
