import { sql, type Kysely } from 'kysely';

/**
 * Reference data that the law has changed before, kept as versioned rows rather than constants:
 * criteria sets (1048/QĐ-TTg, 148/QĐ-TTg) with their star bands, the certifying level by period
 * (148/QĐ-TTg, 1489/QĐ-TTg), the product taxonomy, and administrative units as an effective-dated
 * hierarchy with successors (NQ 202/2025/QH15, NQ 1677/NQ-UBTVQH15: districts end on 2025-07-01).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table criteria_sets (
      id text primary key,
      name text not null,
      effective_from date not null,
      effective_to date,
      part_a_max numeric(5,2) not null,
      part_b_max numeric(5,2) not null,
      part_c_max numeric(5,2) not null,
      constraint criteria_sets_parts_sum check (part_a_max + part_b_max + part_c_max = 100),
      constraint criteria_sets_period check (effective_to is null or effective_to >= effective_from)
    )`.execute(db);

  await sql`
    create table star_bands (
      criteria_set_id text not null references criteria_sets(id),
      stars smallint not null,
      min_score numeric(5,2) not null,
      certified boolean not null,
      primary key (criteria_set_id, stars),
      constraint star_bands_stars check (stars between 1 and 5),
      constraint star_bands_score check (min_score between 0 and 100),
      constraint star_bands_certified check (certified = (stars >= 3))
    )`.execute(db);

  await sql`
    create table certifying_periods (
      id text primary key,
      basis text not null,
      effective_from date not null,
      effective_to date,
      level_3 text not null,
      level_4 text not null,
      level_5 text not null,
      constraint certifying_periods_period check (effective_to is null or effective_to >= effective_from),
      constraint certifying_periods_levels check (
        level_3 in ('district','province','central') and level_4 in ('district','province','central')
        and level_5 in ('district','province','central'))
    )`.execute(db);

  await sql`
    create table product_categories (
      criteria_set_id text not null references criteria_sets(id),
      code text not null,
      level text not null,
      parent_code text,
      name_vi text not null,
      name_en text not null,
      ministry text,
      primary key (criteria_set_id, code),
      foreign key (criteria_set_id, parent_code) references product_categories(criteria_set_id, code),
      constraint product_categories_level check (level in ('group','nhom','phan_nhom')),
      constraint product_categories_parent check ((level = 'group') = (parent_code is null))
    )`.execute(db);

  await sql`
    create table admin_units (
      id text primary key,
      code text,
      name text not null,
      level text not null,
      parent_id text references admin_units(id),
      valid_from date not null,
      valid_to date,
      constraint admin_units_level check (level in ('province','district','commune','ward','special_zone')),
      constraint admin_units_validity check (valid_to is null or valid_to >= valid_from),
      constraint admin_units_parent check ((level = 'province') = (parent_id is null)),
      -- Districts were abolished by the two-tier local government reform of 2025-07-01.
      constraint admin_units_district_end check (level <> 'district' or (valid_to is not null and valid_to <= '2025-06-30'))
    )`.execute(db);
  await sql`create index admin_units_parent_idx on admin_units(parent_id)`.execute(db);

  await sql`
    create table admin_unit_successors (
      predecessor_id text not null references admin_units(id),
      successor_id text not null references admin_units(id),
      effective_on date not null,
      primary key (predecessor_id, successor_id),
      constraint admin_unit_successors_distinct check (predecessor_id <> successor_id)
    )`.execute(db);
  await sql`create index admin_unit_successors_successor_idx on admin_unit_successors(successor_id)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'admin_unit_successors',
    'admin_units',
    'product_categories',
    'certifying_periods',
    'star_bands',
    'criteria_sets',
  ]) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
}
