/**
 * How the schema runs beyond one machine, on Citus (DESIGN "Beyond one machine"; docs/scale.md):
 * which tables are distributed and by which column, which are reference tables, which stay on the
 * coordinator, and which foreign keys Citus cannot keep. docs/citus.sql is generated from this
 * plan (`npx tsx packages/db/src/citus.ts > docs/citus.sql`), and test/scale-citus.test.ts checks
 * the migrated schema against it on both engines, so the plan, the DDL and the schema cannot drift.
 */

export interface DistributedTable {
  table: string;
  /** The hash distribution column. */
  column: string;
  /** The table whose shards this one shares (same column type, same shard count). */
  colocateWith?: string;
}

export interface DroppedForeignKey {
  table: string;
  constraint: string;
  columns: string[];
  references: string;
  /** Who keeps the rule once the database no longer does. */
  why: string;
}

export interface CitusPlan {
  distributed: DistributedTable[];
  /** Replicated to every node: small, rarely written, no triggers. */
  reference: string[];
  /**
   * Citus local tables: one placement, on the coordinator, triggers and foreign keys intact. Every
   * table not named elsewhere in the plan is one; those named here are so on purpose.
   */
  coordinator: string[];
  /** Foreign keys from distributed tables to coordinator tables (Citus refuses them). */
  droppedForeignKeys: DroppedForeignKey[];
  /** Tables of the migration tool, left alone. */
  ignored: string[];
}

export const CITUS_PLAN: CitusPlan = {
  distributed: [
    // A code and all its scans on one shard: every verification reads and writes one shard.
    { table: 'codes', column: 'path' },
    { table: 'scans', column: 'path', colocateWith: 'codes' },
  ],
  // The law's reference data with no trigger (admin_units and product_categories carry the
  // registry NOTIFY trigger: they stay with the registry on the coordinator).
  reference: ['criteria_sets', 'star_bands', 'certifying_periods'],
  coordinator: [
    // The registry: audited by row triggers into the hash-chained log, which has one writer.
    'producers',
    'products',
    'certificates',
    'raw_material_zones',
    'batches',
    'batch_zones',
    'batch_events',
    'epcis_events',
    'users',
    'signing_keys',
    'issuance_jobs',
    'admin_units',
    'admin_unit_successors',
    'product_categories',
    'audit_log',
    // The office's and the inspectors' working data: small, written by people, audited.
    'reports',
    'findings',
    'finding_photos',
    'cases',
    'case_links',
    'case_events',
    'plan_targets',
    'idempotency_keys',
    // Enumeration counters shared by the API instances: a few rows per prober, written in one
    // statement every few seconds by each instance, read back by the same statement.
    'enumeration_counts',
  ],
  droppedForeignKeys: [
    {
      table: 'codes',
      constraint: 'codes_batch_id_fkey',
      columns: ['batch_id'],
      references: 'batches',
      why: 'codes are written only by the issuance (api/src/routes/codes/queries.ts), which reads the batch first; batches are never deleted',
    },
    {
      table: 'codes',
      constraint: 'codes_kid_fkey',
      columns: ['kid'],
      references: 'signing_keys',
      why: 'the issuance signs with the active key it read; keys are retired or revoked, never deleted',
    },
    {
      table: 'codes',
      constraint: 'codes_job_id_fkey',
      columns: ['job_id'],
      references: 'issuance_jobs',
      why: 'the issuance creates the job before its codes; jobs are never deleted',
    },
  ],
  ignored: ['kysely_migration', 'kysely_migration_lock'],
};

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The DDL that distributes a migrated database on a Citus cluster, from the plan. */
export function citusSql(plan: CitusPlan = CITUS_PLAN): string {
  const out: string[] = [
    '-- Generated from packages/db/src/citus.ts (npx tsx packages/db/src/citus.ts > docs/citus.sql);',
    '-- test/scale-citus.test.ts checks the schema against the plan. See docs/scale.md.',
    '--',
    '-- Run once with psql on the coordinator of a Citus (12 or later) cluster, after the migrations,',
    '-- with the API stopped. The coordinator must be in the metadata (it holds the local tables).',
    '',
    "-- select citus_set_coordinator_host('coordinator.internal', 5432);",
    '',
    '-- 1. Foreign keys from distributed tables to coordinator tables: Citus refuses them.',
  ];
  for (const fk of plan.droppedForeignKeys) {
    out.push(`--    ${fk.table}(${fk.columns.join(', ')}) → ${fk.references}: ${fk.why}.`);
    out.push(`alter table ${fk.table} drop constraint ${fk.constraint};`);
  }
  out.push('', '-- 2. Reference tables: a copy on every node.');
  for (const t of plan.reference) out.push(`select create_reference_table(${lit(t)});`);
  out.push(
    '',
    '-- 3. Coordinator tables: Citus local tables (one placement, on the coordinator), keeping their',
    '--    triggers (audit chain, registry NOTIFY) and their foreign keys to the reference tables.',
    '--    Every table not named in the plan is one (those referencing a reference table may already',
    '--    have been added by step 2).',
    'select citus_add_local_table_to_metadata(c.oid::regclass)',
    'from pg_class c join pg_namespace n on n.oid = c.relnamespace',
    "where n.nspname = 'public' and c.relkind in ('r', 'p')",
    `  and c.relname <> all (array[${[...plan.distributed.map((d) => d.table), ...plan.reference, ...plan.ignored].map(lit).join(', ')}])`,
    '  and not exists (select 1 from pg_dist_partition p where p.logicalrelid = c.oid);',
    '',
    '-- 4. Distributed tables, hash-distributed and colocated.',
  );
  for (const d of plan.distributed) {
    const colocate = d.colocateWith ? `, colocate_with => ${lit(d.colocateWith)}` : '';
    out.push(`select create_distributed_table(${lit(d.table)}, ${lit(d.column)}${colocate});`);
  }
  return `${out.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) process.stdout.write(citusSql());
