import { sql, type Kysely } from 'kysely';

/**
 * Signed codes (issue 4; docs/code-format.md): signing keys, the codes issued per batch, scans and
 * issuance jobs, and a short public reference for products without a GTIN.
 *
 * - `products.public_ref`: 8 characters of Crockford's base32 (no I, L, O, U), the path segment of
 *   `/p/{ref}/10/{lot}` codes. Filled here for existing products and by default for new ones. The
 *   alphabet is the one of `PUBLIC_REF_ALPHABET` in packages/domain/src/code-format.ts
 *   (migrations never import app code).
 * - `signing_keys`: ES256 keys. The private JWK is stored only as a compact JWE (`dir`, A256GCM:
 *   IV, ciphertext and tag) under the key-encryption key, in `private_jwe` — a column the audit
 *   trigger strips — and is erased when the key is retired or revoked. One key is active.
 * - `codes`: one row per issued code, keyed by its path (`/01/…/10/…[/21/…]`), the column codes
 *   and scans would be distributed by on Citus, so a code and its scans live on the same shard.
 *   `issued_at` per code lets a key revoked with a compromise time keep the codes signed before it.
 * - `scans`: no IP address, no precise location without consent (Decree 13/2023, PDPL 91/2025):
 *   a keyed hash of a client-chosen device id, a coarse area name, a user-agent class.
 * - `issuance_jobs`: progress of unit-code issuance (up to 100,000 codes per request).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Randomness from gen_random_uuid (pg_strong_random), using only bytes that carry no version or
  // variant bits; 256 is a multiple of 32, so `byte % 32` is unbiased.
  await sql`
    create function ocop_new_public_ref() returns text language plpgsql volatile as $$
    declare
      alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
      positions constant int[] := array[0, 1, 2, 3, 4, 5, 10, 11];
      bytes bytea;
      ref text;
      i int;
    begin
      loop
        bytes := decode(replace(gen_random_uuid()::text, '-', ''), 'hex');
        ref := '';
        foreach i in array positions loop
          ref := ref || substr(alphabet, (get_byte(bytes, i) % 32) + 1, 1);
        end loop;
        exit when not exists (select 1 from products where public_ref = ref);
      end loop;
      return ref;
    end $$`.execute(db);
  await sql`alter table products add column public_ref text`.execute(db);
  await sql`update products set public_ref = ocop_new_public_ref() where public_ref is null`.execute(db);
  await sql`alter table products alter column public_ref set default ocop_new_public_ref()`.execute(db);
  await sql`alter table products alter column public_ref set not null`.execute(db);
  await sql`alter table products add constraint products_public_ref check (public_ref ~ '^[0-9A-HJKMNP-TV-Z]{8,10}$')`.execute(
    db,
  );
  await sql`create unique index products_public_ref_key on products(public_ref)`.execute(db);

  await sql`
    create table signing_keys (
      id uuid primary key default gen_random_uuid(),
      kid text not null,
      alg text not null default 'ES256',
      public_jwk jsonb not null,
      private_jwe text,
      status text not null default 'active',
      created_at timestamptz not null default now(),
      retired_at timestamptz,
      revoked_at timestamptz,
      compromised_at timestamptz,
      revocation_reason text,
      -- RFC 7638 SHA-256 thumbprint, base64url.
      constraint signing_keys_kid check (kid ~ '^[A-Za-z0-9_-]{43}$'),
      constraint signing_keys_alg check (alg = 'ES256'),
      constraint signing_keys_status check (status in ('active','retired','revoked')),
      -- Only the active key can sign: a retired or revoked key's private part is destroyed.
      constraint signing_keys_private check ((status = 'active') = (private_jwe is not null)),
      constraint signing_keys_retired check (status <> 'retired' or retired_at is not null),
      constraint signing_keys_revoked check ((status = 'revoked') =
        (revoked_at is not null and compromised_at is not null and revocation_reason is not null)),
      constraint signing_keys_reason check (revocation_reason is null or length(btrim(revocation_reason)) between 1 and 500)
    )`.execute(db);
  await sql`create unique index signing_keys_kid_key on signing_keys(kid)`.execute(db);
  // Codes carry the first 8 characters of the kid (docs/code-format.md): they must be unique too.
  await sql`create unique index signing_keys_kid_prefix_key on signing_keys(left(kid, 8))`.execute(db);
  await sql`create unique index signing_keys_one_active on signing_keys(status) where status = 'active'`.execute(
    db,
  );
  await sql`create trigger signing_keys_audit after insert or update or delete on signing_keys
    for each row execute function audit_row()`.execute(db);

  await sql`
    create table issuance_jobs (
      id uuid primary key default gen_random_uuid(),
      batch_id uuid not null references batches(id),
      requested_by uuid references users(id),
      total integer not null,
      done integer not null default 0,
      status text not null default 'running',
      kid text,
      created_at timestamptz not null default now(),
      finished_at timestamptz,
      error text,
      constraint issuance_jobs_total check (total between 1 and 100000),
      constraint issuance_jobs_done check (done between 0 and total),
      constraint issuance_jobs_status check (status in ('running','done','failed')),
      constraint issuance_jobs_finished check ((status = 'running') = (finished_at is null))
    )`.execute(db);
  await sql`create index issuance_jobs_batch_idx on issuance_jobs(batch_id, created_at)`.execute(db);
  // Who issued how many codes for which batch, in the audit log (progress updates are not).
  await sql`create trigger issuance_jobs_audit after insert on issuance_jobs
    for each row execute function audit_row()`.execute(db);

  await sql`
    create table codes (
      path text not null,
      batch_id uuid not null references batches(id),
      kind text not null,
      serial text,
      origin text not null,
      kid text not null references signing_keys(kid),
      sig text not null,
      issued_at timestamptz not null default now(),
      job_id uuid references issuance_jobs(id),
      primary key (path),
      constraint codes_kind check (kind in ('batch','unit') and ((kind = 'unit') = (serial is not null))),
      constraint codes_path check (path ~ '^/(01/[0-9]{14}|p/[0-9A-HJKMNP-TV-Z]{8,10})/10/[A-Za-z0-9._-]{1,20}(/21/[0-9A-Za-z]{1,20})?$'),
      constraint codes_serial check (serial is null or path like '%/21/' || serial),
      constraint codes_origin check (origin ~ '^https?://[^/?#@]+$'),
      constraint codes_sig check (sig ~ '^[A-Za-z0-9_-]{86}$')
    )`.execute(db);
  await sql`create index codes_batch_idx on codes(batch_id, path)`.execute(db);
  await sql`create index codes_batch_code_idx on codes(batch_id) where kind = 'batch'`.execute(db);
  await sql`create index codes_job_idx on codes(job_id, path) where job_id is not null`.execute(db);

  await sql`
    create table scans (
      path text not null,
      id uuid not null default gen_random_uuid(),
      scanned_at timestamptz not null default now(),
      verdict text not null,
      signed boolean not null,
      device_hash text,
      area text,
      location_consent boolean not null default false,
      lat numeric(8,5),
      lng numeric(8,5),
      ua_class text,
      primary key (path, id),
      constraint scans_verdict check (verdict in ('forged','unknown','revoked_certificate','recalled_batch',
        'expired_certificate','suspected_copy','status_unknown','genuine')),
      constraint scans_device_hash check (device_hash is null or device_hash ~ '^[0-9a-f]{64}$'),
      constraint scans_area check (area is null or length(btrim(area)) between 1 and 100),
      constraint scans_location check ((lat is null) = (lng is null) and (lat is null or location_consent)),
      constraint scans_lat check (lat is null or lat between -90 and 90),
      constraint scans_lng check (lng is null or lng between -180 and 180),
      constraint scans_ua_class check (ua_class is null or ua_class in ('android','ios','desktop','bot','other'))
    )`.execute(db);
  await sql`create index scans_path_time_idx on scans(path, scanned_at)`.execute(db);
  await sql`create index scans_time_idx on scans(scanned_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists scans`.execute(db);
  await sql`drop table if exists codes`.execute(db);
  await sql`drop table if exists issuance_jobs`.execute(db);
  await sql`drop table if exists signing_keys`.execute(db);
  await sql`drop index if exists products_public_ref_key`.execute(db);
  await sql`alter table products drop column if exists public_ref`.execute(db);
  await sql`drop function if exists ocop_new_public_ref()`.execute(db);
}
