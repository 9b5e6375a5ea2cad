import { sql, type Kysely } from 'kysely';

/**
 * Stored responses of POSTs that create things, keyed by the client's `Idempotency-Key` header, so
 * a retried request (a flaky mobile network, a double click) gets the first response again instead
 * of creating a second batch or certificate.
 * @see draft-ietf-httpapi-idempotency-key-header
 *
 * - Keys belong to a signed-in user: the primary key is (user_id, key), so two users never see each
 *   other's responses. Anonymous requests are not covered (their key would be shared by everyone),
 *   hence `user_id` is not null.
 * - `request_hash` is sha256 of method, route, parameters and body: the same key with another
 *   request is refused (422) rather than replayed.
 * - `status` and `response` stay null while the first request runs (a claim); a claim older than
 *   a minute is considered abandoned and may be taken over.
 * - Rows expire after 24 hours (checked on read; old rows are purged on the way).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table idempotency_keys (
      user_id uuid not null references users(id),
      key text not null,
      method_route text not null,
      request_hash text not null,
      status smallint,
      response jsonb,
      created_at timestamptz not null default now(),
      primary key (user_id, key),
      constraint idempotency_keys_key check (length(key) between 1 and 255),
      constraint idempotency_keys_status check (status is null or status between 100 and 599),
      constraint idempotency_keys_done check ((status is null) = (response is null))
    )`.execute(db);
  await sql`create index idempotency_keys_created_idx on idempotency_keys(created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists idempotency_keys`.execute(db);
}
