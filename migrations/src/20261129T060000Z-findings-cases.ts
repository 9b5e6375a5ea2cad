import { sql, type Kysely } from 'kysely';

/**
 * Inspectors' findings, the office's case queue and the year's targets (issue 7).
 *
 * - `findings`: what a market inspector recorded about one scanned pack (DESIGN "market
 *   inspector": flags, a finding with photo evidence, a report). The id is made by the inspector's
 *   device, so a finding recorded offline and sent again after a lost answer is stored once
 *   (exactly-once sync: the primary key is the deduplication key). `code` is the scanned text as the
 *   device had it (never trusted), `code_path` its code path (`/01/…/10/…[/21/…]`, the key of
 *   `codes` and `scans`) when it has the shape of one; `verdict` is what the device showed; `printed_stars` is what the
 *   inspector read on the pack, `certified_stars` what the verification said.
 * - `finding_photos`: evidence photos, re-encoded by the API (WebP, metadata stripped) before they
 *   are stored; the id is also made by the device (idempotent PUT). Not audited: the bytes would
 *   flood the log; `sha256` fixes each photo's content instead.
 * - `cases`: the office's follow-up queue of suspected copies, counterfeit reports and findings;
 *   `case_links` ties consumer reports and findings to a case, `case_events` is its history.
 * - `plan_targets`: the year's targets as data (Kế hoạch 69/KH-UBND of 2024: 70 new 3–5★ products,
 *   4–6 of them 4★ certified by the province, 1–2 potential 5★, about 50 producers strengthened).
 *   `metric` names what the dashboard measures; a metric it cannot measure is shown as such.
 * Findings, cases and targets are audited like the registry (audit_row trigger).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table findings (
      id uuid primary key,
      inspector_id uuid not null references users(id),
      session_id uuid not null,
      observed_at timestamptz not null,
      received_at timestamptz not null default now(),
      code text,
      code_path text,
      verdict text not null,
      verdict_source text not null default 'online',
      product_id uuid references products(id),
      batch_id uuid references batches(id),
      certified_stars smallint,
      printed_stars smallint,
      outcome text not null,
      place text,
      admin_unit_id text references admin_units(id),
      latitude numeric(8,5),
      longitude numeric(8,5),
      note text,
      constraint findings_verdict check (verdict in ('forged','unknown','revoked_certificate','recalled_batch',
        'expired_certificate','suspected_copy','status_unknown','genuine','not_scanned')),
      constraint findings_verdict_source check (verdict_source in ('online','offline','none')),
      constraint findings_outcome check (outcome in ('compliant','counterfeit_suspected','stars_mismatch',
        'expired_mark','revoked_mark','recalled_on_sale','label_damaged','no_code','other')),
      constraint findings_code check (code is null or length(code) between 1 and 2048),
      constraint findings_code_path check (code_path is null or code_path ~ '^/(01|p)/[^?#]{1,200}$'),
      constraint findings_stars check ((certified_stars is null or certified_stars between 1 and 5)
        and (printed_stars is null or printed_stars between 0 and 5)),
      constraint findings_place check (place is null or length(place) <= 300),
      constraint findings_note check (note is null or length(note) <= 4000),
      constraint findings_position check ((latitude is null) = (longitude is null)
        and (latitude is null or (latitude between -90 and 90 and longitude between -180 and 180)))
    )`.execute(db);
  await sql`create index findings_inspector_idx on findings(inspector_id, observed_at)`.execute(db);
  await sql`create index findings_session_idx on findings(session_id, observed_at)`.execute(db);
  await sql`create index findings_product_idx on findings(product_id) where product_id is not null`.execute(
    db,
  );
  await sql`create index findings_code_path_idx on findings(code_path) where code_path is not null`.execute(
    db,
  );
  await sql`create trigger findings_audit after insert or update or delete on findings
    for each row execute function audit_row()`.execute(db);

  await sql`
    create table finding_photos (
      id uuid primary key,
      finding_id uuid not null references findings(id),
      content_type text not null,
      width integer not null,
      height integer not null,
      bytes integer not null,
      sha256 text not null,
      data bytea not null,
      created_at timestamptz not null default now(),
      constraint finding_photos_type check (content_type in ('image/webp')),
      constraint finding_photos_size check (width between 1 and 4096 and height between 1 and 4096
        and bytes between 1 and 5000000 and bytes = length(data)),
      constraint finding_photos_sha check (sha256 ~ '^[0-9a-f]{64}$')
    )`.execute(db);
  await sql`create index finding_photos_finding_idx on finding_photos(finding_id)`.execute(db);

  await sql`
    create table cases (
      id uuid primary key default gen_random_uuid(),
      kind text not null,
      status text not null default 'open',
      priority text not null default 'normal',
      title text not null,
      code_path text,
      product_id uuid references products(id),
      batch_id uuid references batches(id),
      admin_unit_id text references admin_units(id),
      signals jsonb not null default '{}'::jsonb,
      opened_at timestamptz not null default now(),
      opened_by uuid references users(id),
      assigned_to uuid references users(id),
      closed_at timestamptz,
      closed_by uuid references users(id),
      resolution text,
      resolution_note text,
      updated_at timestamptz not null default now(),
      constraint cases_kind check (kind in ('suspected_copy','counterfeit_report','inspector_finding',
        'stars_mismatch','expired_mark','other')),
      constraint cases_status check (status in ('open','investigating','closed')),
      constraint cases_priority check (priority in ('high','normal','low')),
      constraint cases_title check (length(btrim(title)) between 1 and 300),
      constraint cases_code_path check (code_path is null or code_path ~ '^/(01|p)/[^?#]{1,200}$'),
      constraint cases_signals check (jsonb_typeof(signals) = 'object'),
      constraint cases_resolution check (resolution is null or resolution in ('confirmed_counterfeit',
        'false_alarm','corrected_by_producer','referred','certificate_revoked','batch_recalled','other')),
      constraint cases_closed check ((status = 'closed') = (closed_at is not null and resolution is not null)),
      constraint cases_note check (resolution_note is null or length(resolution_note) <= 4000)
    )`.execute(db);
  await sql`create index cases_status_idx on cases(status, opened_at)`.execute(db);
  await sql`create index cases_code_path_idx on cases(code_path) where code_path is not null`.execute(db);
  // At most one case per code stays open: new signals about the same code join it.
  await sql`create unique index cases_one_open_per_code on cases(code_path) where code_path is not null and status <> 'closed'`.execute(
    db,
  );
  await sql`create trigger cases_audit after insert or update or delete on cases
    for each row execute function audit_row()`.execute(db);

  await sql`
    create table case_links (
      case_id uuid not null references cases(id),
      kind text not null,
      ref_id uuid not null,
      linked_at timestamptz not null default now(),
      linked_by uuid references users(id),
      primary key (case_id, kind, ref_id),
      constraint case_links_kind check (kind in ('report','finding'))
    )`.execute(db);
  // A report or a finding belongs to at most one case.
  await sql`create unique index case_links_ref_key on case_links(kind, ref_id)`.execute(db);

  await sql`
    create table case_events (
      id uuid primary key default gen_random_uuid(),
      case_id uuid not null references cases(id),
      -- The clock, not the transaction's start: events of one request keep their order.
      at timestamptz not null default clock_timestamp(),
      actor_id uuid references users(id),
      action text not null,
      note text,
      constraint case_events_action check (action in ('opened','linked','note','status','assigned','closed','reopened')),
      constraint case_events_note check (note is null or length(note) <= 4000)
    )`.execute(db);
  await sql`create index case_events_case_idx on case_events(case_id, at)`.execute(db);

  await sql`
    create table plan_targets (
      id uuid primary key default gen_random_uuid(),
      plan text not null,
      year integer not null,
      metric text not null,
      target_min numeric(12,2) not null,
      target_max numeric(12,2),
      unit text not null default 'count',
      label_vi text not null,
      label_en text not null,
      source text,
      created_at timestamptz not null default now(),
      constraint plan_targets_year check (year between 2019 and 2100),
      constraint plan_targets_metric check (metric ~ '^[a-z0-9_]{1,60}$'),
      constraint plan_targets_range check (target_min >= 0 and (target_max is null or target_max >= target_min)),
      constraint plan_targets_unit check (unit in ('count','percent')),
      constraint plan_targets_labels check (length(btrim(label_vi)) between 1 and 300 and length(btrim(label_en)) between 1 and 300)
    )`.execute(db);
  await sql`create unique index plan_targets_key on plan_targets(year, metric)`.execute(db);
  await sql`create trigger plan_targets_audit after insert or update or delete on plan_targets
    for each row execute function audit_row()`.execute(db);

  // Kế hoạch 69/KH-UBND (2024) of the Quảng Ngãi People's Committee, section II "Mục tiêu".
  const plan = 'Kế hoạch 69/KH-UBND';
  const source = 'Kế hoạch 69/KH-UBND năm 2024 của UBND tỉnh Quảng Ngãi, mục II';
  const rows: [string, number, number | null, string, string, string][] = [
    ['new_certified_3_5', 70, null, 'count', 'Sản phẩm đạt OCOP 3–5 sao mới', 'New 3–5★ OCOP products'],
    [
      'new_4_star_province',
      4,
      6,
      'count',
      'Sản phẩm được UBND tỉnh công nhận 4 sao',
      '4★ products certified by the province',
    ],
    ['new_5_star', 1, 2, 'count', 'Sản phẩm đạt 5 sao cấp Trung ương', 'National 5★ products'],
    [
      'producers_strengthened',
      50,
      null,
      'count',
      'Chủ thể OCOP được củng cố, nâng cao năng lực',
      'Producers strengthened',
    ],
    [
      'producers_modern_channels',
      50,
      null,
      'percent',
      'Chủ thể tham gia kênh bán hàng hiện đại',
      'Producers in modern sales channels',
    ],
    [
      'craft_village_products',
      1,
      2,
      'count',
      'Sản phẩm 3 sao trở lên của làng nghề truyền thống',
      '3★+ products of traditional craft villages',
    ],
    ['producers_trained', 100, null, 'percent', 'Chủ thể được đào tạo, bồi dưỡng', 'Producers trained'],
  ];
  for (const [metric, min, max, unit, vi, en] of rows) {
    await sql`insert into plan_targets(plan, year, metric, target_min, target_max, unit, label_vi, label_en, source)
      values (${plan}, 2024, ${metric}, ${min}, ${max}, ${unit}, ${vi}, ${en}, ${source})`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['plan_targets', 'case_events', 'case_links', 'cases', 'finding_photos', 'findings']) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
}
