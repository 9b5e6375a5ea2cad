import { sql, type Kysely } from 'kysely';

/**
 * The OCOP registry: producers (chủ thể), products, certificates, raw-material zones, batches with
 * their zones and value-chain events, and users. The database refuses what must never be true
 * (DESIGN "Domain rules"): stars outside the certified range, a validity that ends before it starts,
 * a second batch with the same lot for a product, a revoked certificate without a reason.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table producers (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      kind text not null,
      tax_code text,
      address_line text,
      admin_unit_id text references admin_units(id),
      representative text,
      phone text,
      email text,
      website text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint producers_kind check (kind in ('DN','HTX','THT','HKD')),
      constraint producers_name check (length(btrim(name)) between 1 and 300),
      constraint producers_tax_code check (tax_code is null or tax_code ~ '^[0-9]{10}(-[0-9]{3})?$')
    )`.execute(db);
  await sql`create unique index producers_tax_code_key on producers(tax_code) where tax_code is not null`.execute(
    db,
  );
  await sql`create index producers_admin_unit_idx on producers(admin_unit_id)`.execute(db);

  await sql`
    create table products (
      id uuid primary key default gen_random_uuid(),
      producer_id uuid not null references producers(id),
      criteria_set_id text not null,
      category_code text not null,
      origin_unit_id text references admin_units(id),
      name_vi text not null,
      name_en text,
      description_vi text,
      description_en text,
      gtin char(14),
      image_path text,
      search_text text not null default '',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      foreign key (criteria_set_id, category_code) references product_categories(criteria_set_id, code),
      constraint products_name check (length(btrim(name_vi)) between 1 and 300),
      -- GS1 GTIN-14 digits; the check digit is verified by the domain rules before insert.
      constraint products_gtin check (gtin is null or gtin ~ '^[0-9]{14}$')
    )`.execute(db);
  await sql`create unique index products_gtin_key on products(gtin) where gtin is not null`.execute(db);
  await sql`create index products_producer_idx on products(producer_id)`.execute(db);
  await sql`create index products_origin_unit_idx on products(origin_unit_id)`.execute(db);

  await sql`
    create table certificates (
      id uuid primary key default gen_random_uuid(),
      product_id uuid not null references products(id),
      criteria_set_id text not null references criteria_sets(id),
      score_a numeric(5,2) not null,
      score_b numeric(5,2) not null,
      score_c numeric(5,2) not null,
      total_score numeric(5,2) not null,
      mandatory_passed smallint[] not null default '{}',
      stars smallint not null,
      level text not null,
      authority text not null,
      decision_no text not null,
      decision_date date not null,
      round text,
      valid_from date not null,
      valid_to date not null,
      status text not null default 'active',
      supersedes_id uuid references certificates(id),
      revocation_reason text,
      revocation_note text,
      revoked_at timestamptz,
      evidence_url text,
      created_at timestamptz not null default now(),
      constraint certificates_stars check (stars between 1 and 5),
      -- Only 3★ and up are OCOP-certified (148/QĐ-TTg): a 1★ or 2★ result issues no certificate.
      constraint certificates_certified_stars check (stars >= 3),
      constraint certificates_scores check (score_a >= 0 and score_b >= 0 and score_c >= 0
        and total_score between 0 and 100 and total_score = score_a + score_b + score_c),
      constraint certificates_level check (level in ('district','province','central')),
      constraint certificates_validity check (valid_to > valid_from),
      constraint certificates_valid_from check (valid_from >= decision_date),
      constraint certificates_status check (status in ('active','superseded','revoked')),
      constraint certificates_revocation check ((status = 'revoked') = (revoked_at is not null and revocation_reason is not null)),
      constraint certificates_revocation_reason check (revocation_reason is null or revocation_reason in
        ('EXPIRED_NOT_REEVALUATED','FAILED_REEVALUATION','PROCESS_NONCOMPLIANCE','FOOD_SAFETY','PRODUCT_CHANGED','CEASED_OPERATION','OTHER')),
      constraint certificates_not_self check (supersedes_id is null or supersedes_id <> id)
    )`.execute(db);
  // One active certificate per product; a certificate is superseded at most once.
  await sql`create unique index certificates_one_active on certificates(product_id) where status = 'active'`.execute(
    db,
  );
  await sql`create unique index certificates_supersedes_key on certificates(supersedes_id) where supersedes_id is not null`.execute(
    db,
  );
  await sql`create index certificates_product_idx on certificates(product_id)`.execute(db);
  await sql`create index certificates_valid_to_idx on certificates(valid_to) where status = 'active'`.execute(
    db,
  );

  await sql`
    create table raw_material_zones (
      id uuid primary key default gen_random_uuid(),
      scheme text not null,
      code text not null,
      issuer text not null,
      producer_id uuid references producers(id),
      admin_unit_id text references admin_units(id),
      name text,
      area_ha numeric(12,4),
      crop_or_species text not null,
      standards text[] not null default '{}',
      valid_from date not null,
      valid_to date,
      status text not null default 'active',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint raw_material_zones_scheme check (scheme in ('VUNG_TRONG','VUNG_TRONG_XK','NUOI_TRONG_THUY_SAN','CA_TRA','OTHER')),
      constraint raw_material_zones_code check (length(code) between 1 and 64),
      constraint raw_material_zones_area check (area_ha is null or area_ha > 0),
      constraint raw_material_zones_validity check (valid_to is null or valid_to > valid_from),
      constraint raw_material_zones_status check (status in ('active','suspended','cancelled'))
    )`.execute(db);
  // The official code is an opaque string, unique within its scheme (3156/QĐ-BNN-TT).
  await sql`create unique index raw_material_zones_code_key on raw_material_zones(scheme, code)`.execute(db);
  await sql`create index raw_material_zones_producer_idx on raw_material_zones(producer_id)`.execute(db);

  await sql`
    create table batches (
      id uuid primary key default gen_random_uuid(),
      product_id uuid not null references products(id),
      lot text not null,
      produced_on date not null,
      best_before date,
      quantity numeric(14,3) not null,
      unit text not null,
      status text not null default 'active',
      recall_reason text,
      recalled_at timestamptz,
      recalled_by uuid,
      created_by uuid,
      created_at timestamptz not null default now(),
      -- GS1 AI (10) batch/lot: up to 20 characters of GS1 AI encodable character set 82;
      -- we allow the URL-safe subset so the lot sits unescaped in the Digital Link path.
      constraint batches_lot check (lot ~ '^[A-Za-z0-9._-]{1,20}$'),
      constraint batches_dates check (best_before is null or best_before >= produced_on),
      constraint batches_quantity check (quantity > 0),
      constraint batches_unit check (length(btrim(unit)) between 1 and 20),
      constraint batches_status check (status in ('active','recalled')),
      constraint batches_recall check ((status = 'recalled') = (recalled_at is not null and recall_reason is not null))
    )`.execute(db);
  await sql`create unique index batches_product_lot_key on batches(product_id, lot)`.execute(db);
  await sql`create index batches_produced_on_idx on batches(product_id, produced_on)`.execute(db);

  await sql`
    create table batch_zones (
      batch_id uuid not null references batches(id),
      zone_id uuid not null references raw_material_zones(id),
      quantity numeric(14,3),
      unit text,
      primary key (batch_id, zone_id),
      constraint batch_zones_quantity check (quantity is null or quantity > 0)
    )`.execute(db);
  await sql`create index batch_zones_zone_idx on batch_zones(zone_id)`.execute(db);

  await sql`
    create table batch_events (
      id uuid primary key default gen_random_uuid(),
      batch_id uuid not null references batches(id),
      type text not null,
      occurred_at timestamptz not null,
      place text,
      admin_unit_id text references admin_units(id),
      actor text,
      note text,
      recorded_by uuid,
      recorded_at timestamptz not null default now(),
      constraint batch_events_type check (type in ('harvest','receiving','processing','packaging','storage','shipping','inspection','other'))
    )`.execute(db);
  await sql`create index batch_events_batch_idx on batch_events(batch_id, occurred_at)`.execute(db);

  await sql`
    create table users (
      id uuid primary key default gen_random_uuid(),
      email text not null,
      password_hash text not null,
      display_name text not null,
      role text not null,
      producer_id uuid references producers(id),
      admin_unit_id text references admin_units(id),
      disabled_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint users_role check (role in ('admin','officer','producer','inspector')),
      constraint users_email check (email = lower(email) and email like '%_@_%'),
      constraint users_producer_binding check ((role = 'producer') = (producer_id is not null)),
      constraint users_officer_binding check ((role = 'officer') = (admin_unit_id is not null))
    )`.execute(db);
  await sql`create unique index users_email_key on users(email)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'users',
    'batch_events',
    'batch_zones',
    'batches',
    'raw_material_zones',
    'certificates',
    'products',
    'producers',
  ]) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
}
