import { sql, type Kysely } from 'kysely';

/**
 * An append-only, hash-chained audit log of every change to the registry.
 *
 * - Row triggers on the registry tables write the entries, so no code path can change the registry
 *   without leaving a trace. The acting user comes from the transaction-local setting
 *   `ocop.actor_id` (set by the API with `set_config(..., true)`).
 * - Each entry's hash is sha256(prev_hash | seq | time | actor | action | entity | id | data). A
 *   transaction-scoped advisory lock serialises appends, so `seq` order is chain order.
 * - UPDATE, DELETE and TRUNCATE on the log are refused by the database itself.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table audit_log (
      seq bigint primary key default 0,
      occurred_at timestamptz not null default clock_timestamp(),
      actor_id uuid,
      action text not null,
      entity text not null,
      entity_id text,
      data jsonb not null default '{}'::jsonb,
      -- seq, prev_hash and hash are always set by the chain trigger below.
      prev_hash text not null default '',
      hash text not null default ''
    )`.execute(db);
  await sql`create index audit_log_entity_idx on audit_log(entity, entity_id)`.execute(db);

  await sql`
    create function audit_material(prev_hash text, seq bigint, occurred_at timestamptz, actor_id uuid,
                                   action text, entity text, entity_id text, data jsonb)
    returns text language sql stable as $$
      select prev_hash || '|' || seq::text || '|'
        || to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '|'
        || coalesce(actor_id::text, '') || '|' || action || '|' || entity || '|'
        || coalesce(entity_id, '') || '|' || data::text
    $$`.execute(db);

  await sql`
    create function audit_log_chain() returns trigger language plpgsql as $$
    declare
      last record;
    begin
      perform pg_advisory_xact_lock(7426001);
      select a.seq, a.hash into last from audit_log a order by a.seq desc limit 1;
      new.seq := coalesce(last.seq, 0) + 1;
      new.prev_hash := coalesce(last.hash, repeat('0', 64));
      new.occurred_at := clock_timestamp();
      new.hash := encode(sha256(convert_to(audit_material(new.prev_hash, new.seq, new.occurred_at,
        new.actor_id, new.action, new.entity, new.entity_id, new.data), 'UTF8')), 'hex');
      return new;
    end $$`.execute(db);
  await sql`create trigger audit_log_chain before insert on audit_log for each row execute function audit_log_chain()`.execute(
    db,
  );

  await sql`
    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = '42501';
    end $$`.execute(db);
  await sql`create trigger audit_log_no_update before update or delete on audit_log for each row execute function audit_log_append_only()`.execute(
    db,
  );
  await sql`create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_append_only()`.execute(
    db,
  );

  await sql`
    create function audit_row() returns trigger language plpgsql as $$
    declare
      payload jsonb;
      old_row jsonb;
      rid text;
    begin
      if tg_op = 'DELETE' then
        payload := to_jsonb(old);
      else
        payload := to_jsonb(new);
      end if;
      rid := coalesce(payload->>'id', payload->>'batch_id');
      if tg_op = 'UPDATE' then
        old_row := to_jsonb(old);
        select coalesce(jsonb_object_agg(n.key, n.value), '{}'::jsonb) into payload
          from jsonb_each(payload) n where old_row->n.key is distinct from n.value;
        if payload = '{}'::jsonb then
          return null;
        end if;
      end if;
      -- Secrets never enter the log.
      payload := payload - 'password_hash' - 'private_jwe' - 'private_key';
      insert into audit_log(actor_id, action, entity, entity_id, data)
      values (nullif(current_setting('ocop.actor_id', true), '')::uuid, lower(tg_op), tg_table_name, rid, payload);
      return null;
    end $$`.execute(db);

  for (const t of [
    'producers',
    'products',
    'certificates',
    'raw_material_zones',
    'batches',
    'batch_zones',
    'batch_events',
    'users',
  ]) {
    await sql`create trigger ${sql.id(`${t}_audit`)} after insert or update or delete on ${sql.table(t)}
      for each row execute function audit_row()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'producers',
    'products',
    'certificates',
    'raw_material_zones',
    'batches',
    'batch_zones',
    'batch_events',
    'users',
  ]) {
    await sql`drop trigger if exists ${sql.id(`${t}_audit`)} on ${sql.table(t)}`.execute(db);
  }
  await sql`drop function if exists audit_row()`.execute(db);
  await sql`drop table if exists audit_log`.execute(db);
  await sql`drop function if exists audit_log_chain()`.execute(db);
  await sql`drop function if exists audit_log_append_only()`.execute(db);
  await sql`drop function if exists audit_material(text, bigint, timestamptz, uuid, text, text, text, jsonb)`.execute(
    db,
  );
}
