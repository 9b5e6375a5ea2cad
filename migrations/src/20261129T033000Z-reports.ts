import { sql, type Kysely } from 'kysely';

/**
 * Reports of suspicious products sent by consumers from the public site (DESIGN: a consumer must be
 * able to "report a suspicious product"). Anyone may send one, so the table stores no raw IP and
 * no precise location (personal data law 91/2025); `contact` is optional and only what the reporter
 * chose to give. The office follows reports up through `status`.
 *
 * - `code` is the scanned code text as the reporter's page had it (it may be forged: never trusted);
 * - `product_id` is set when the page could tell which product the code or page was about;
 * - `verdict` is the verdict the reporter saw, for triage.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table reports (
      id uuid primary key default gen_random_uuid(),
      created_at timestamptz not null default now(),
      reason text not null,
      code text,
      product_id uuid references products(id),
      verdict text,
      details text,
      place text,
      contact text,
      lang text not null default 'vi',
      status text not null default 'new',
      handled_by uuid references users(id),
      handled_at timestamptz,
      resolution text,
      constraint reports_reason check (reason in
        ('fake','stars_mismatch','expired_mark','label_damaged','quality','other')),
      constraint reports_verdict check (verdict is null or verdict in ('forged','unknown','revoked_certificate',
        'recalled_batch','expired_certificate','suspected_copy','status_unknown','genuine')),
      constraint reports_code check (code is null or length(code) between 1 and 2048),
      constraint reports_details check (details is null or length(details) <= 2000),
      constraint reports_place check (place is null or length(place) <= 300),
      constraint reports_contact check (contact is null or length(contact) <= 200),
      constraint reports_lang check (lang in ('vi','en')),
      constraint reports_status check (status in ('new','in_review','closed')),
      constraint reports_handled check ((status = 'new') = (handled_at is null))
    )`.execute(db);
  await sql`create index reports_created_idx on reports(created_at)`.execute(db);
  await sql`create index reports_status_idx on reports(status, created_at)`.execute(db);
  await sql`create index reports_product_idx on reports(product_id) where product_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists reports`.execute(db);
}
