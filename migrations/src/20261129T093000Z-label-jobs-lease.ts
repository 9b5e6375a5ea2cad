import { sql, type Kysely } from 'kysely';

/**
 * Label jobs as leases, for several API instances sharing one database and one `LABEL_JOBS_DIR`:
 * - `claim_token` names the run that holds a job: the runner claims a queued job with a new token
 *   (one atomic UPDATE … RETURNING), and every later write of that run (progress, done, failed) is
 *   guarded by it, so a run that lost its job can never overwrite the outcome of the one after it.
 *   The run's file is named by it too (`<id>.<token>`, `.part` while written), so a sweep or a
 *   stale run can only ever delete its own run's file. Rows made before this keep a null token:
 *   their file keeps its old name, the id alone.
 * - `lease_until` is set while a job is `running` and renewed by its runner (a heartbeat); only a
 *   job whose lease ran out (its instance stopped) is failed (`interrupted`) by another instance,
 *   never one that an instance alive is rendering. Jobs running when this migrates get a lease
 *   that has already run out: the old code renews none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table label_jobs
      add column claim_token uuid,
      add column lease_until timestamptz`.execute(db);
  await sql`
    update label_jobs set claim_token = gen_random_uuid(), lease_until = now()
    where status = 'running'`.execute(db);
  await sql`
    alter table label_jobs
      add constraint label_jobs_lease check ((status = 'running') = (lease_until is not null)),
      add constraint label_jobs_claim check (status <> 'running' or claim_token is not null)`.execute(db);
  // The runners' look for jobs whose lease ran out.
  await sql`create index label_jobs_lease_idx on label_jobs(lease_until) where status = 'running'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists label_jobs_lease_idx`.execute(db);
  await sql`
    alter table label_jobs
      drop constraint if exists label_jobs_claim,
      drop constraint if exists label_jobs_lease,
      drop column if exists lease_until,
      drop column if exists claim_token`.execute(db);
}
