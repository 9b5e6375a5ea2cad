-- Generated from packages/db/src/citus.ts (npx tsx packages/db/src/citus.ts > docs/citus.sql);
-- test/scale-citus.test.ts checks the schema against the plan. See docs/scale.md.
--
-- Run once with psql on the coordinator of a Citus (12 or later) cluster, after the migrations,
-- with the API stopped. The coordinator must be in the metadata (it holds the local tables).

-- select citus_set_coordinator_host('coordinator.internal', 5432);

-- 1. Foreign keys from distributed tables to coordinator tables: Citus refuses them.
--    codes(batch_id) → batches: codes are written only by the issuance (api/src/routes/codes/queries.ts), which reads the batch first; batches are never deleted.
alter table codes drop constraint codes_batch_id_fkey;
--    codes(kid) → signing_keys: the issuance signs with the active key it read; keys are retired or revoked, never deleted.
alter table codes drop constraint codes_kid_fkey;
--    codes(job_id) → issuance_jobs: the issuance creates the job before its codes; jobs are never deleted.
alter table codes drop constraint codes_job_id_fkey;

-- 2. Reference tables: a copy on every node.
select create_reference_table('criteria_sets');
select create_reference_table('star_bands');
select create_reference_table('certifying_periods');

-- 3. Coordinator tables: Citus local tables (one placement, on the coordinator), keeping their
--    triggers (audit chain, registry NOTIFY) and their foreign keys to the reference tables.
--    Every table not named in the plan is one (those referencing a reference table may already
--    have been added by step 2).
select citus_add_local_table_to_metadata(c.oid::regclass)
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p')
  and c.relname <> all (array['codes', 'scans', 'criteria_sets', 'star_bands', 'certifying_periods', 'kysely_migration', 'kysely_migration_lock'])
  and not exists (select 1 from pg_dist_partition p where p.logicalrelid = c.oid);

-- 4. Distributed tables, hash-distributed and colocated.
select create_distributed_table('codes', 'path');
select create_distributed_table('scans', 'path', colocate_with => 'codes');
