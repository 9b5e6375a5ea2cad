import { sql, type Kysely } from 'kysely';

/**
 * Background label jobs (issue 5, point 4): a large print run rendered to a file on disk, page by
 * page, with its progress here. The row holds the parameters with the range of unit codes made
 * explicit, so a failed job re-runs the same codes; the file lives under the configured folder
 * (config.ts `labelJobsDir`), named by the job's id.
 *
 * - `queued` → `running` (claimed by the runner, `started_at`) → `done` (`bytes`, `finished_at`)
 *   or `failed` (`error_reason`, `error_vi`, `error_en`, `finished_at`). A job left `running` by a
 *   stopped server is marked failed (`interrupted`) at the next start and can be re-run.
 * - Audited on insert (who asked for how many labels of which batch); progress updates are not.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table label_jobs (
      id uuid primary key default gen_random_uuid(),
      batch_id uuid not null references batches(id),
      requested_by uuid references users(id),
      params jsonb not null,
      total integer not null,
      done integer not null default 0,
      status text not null default 'queued',
      media_type text not null,
      file_name text not null,
      bytes bigint,
      error_reason text,
      error_vi text,
      error_en text,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      constraint label_jobs_total check (total between 1 and 100000),
      constraint label_jobs_done check (done between 0 and total),
      constraint label_jobs_status check (status in ('queued','running','done','failed')),
      constraint label_jobs_params check (jsonb_typeof(params) = 'object'),
      constraint label_jobs_started check ((status = 'queued') = (started_at is null)),
      constraint label_jobs_finished check ((status in ('done','failed')) = (finished_at is not null)),
      constraint label_jobs_file check ((status = 'done') = (bytes is not null)),
      constraint label_jobs_error check ((status = 'failed') =
        (error_reason is not null and error_vi is not null and error_en is not null))
    )`.execute(db);
  await sql`create index label_jobs_batch_idx on label_jobs(batch_id, created_at)`.execute(db);
  // The runner's queue: the oldest queued job first.
  await sql`create index label_jobs_queue_idx on label_jobs(created_at) where status = 'queued'`.execute(db);
  await sql`create trigger label_jobs_audit after insert on label_jobs
    for each row execute function audit_row()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists label_jobs`.execute(db);
}
