import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITUS_PLAN, citusSql } from '../packages/db/src/citus.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';

/**
 * The migrated schema meets what docs/citus.sql needs to run on Citus (docs/scale.md), checked in
 * the catalog on both engines against the plan the DDL is generated from
 * (packages/db/src/citus.ts):
 * - every unique key (primary key, unique constraint or index, partial or not) of a distributed
 *   table includes its distribution column, which is not null;
 * - a foreign key between distributed tables joins colocated tables on their distribution columns;
 *   one from a distributed table to a coordinator table is one the DDL drops (named in the plan);
 *   a reference table references only reference tables; nothing references a distributed table;
 * - distributed and reference tables have no trigger (Citus would run it on the workers'
 *   placements, away from the audit chain and the API's NOTIFY listeners), no sequence and no
 *   check or default calling one of our functions;
 * - docs/citus.sql is the DDL generated from the plan.
 * A table the plan does not name is a coordinator table and is held to the same rules.
 */

let db: TestDb;

interface ForeignKey {
  name: string;
  table: string;
  columns: string[];
  target: string;
  target_columns: string[];
}

let tables: Set<string>;
let foreignKeys: ForeignKey[];

const distributed = new Map(CITUS_PLAN.distributed.map((d) => [d.table, d]));
const reference = new Set(CITUS_PLAN.reference);
type Kind = 'distributed' | 'reference' | 'coordinator';
const kindOf = (table: string): Kind =>
  distributed.has(table) ? 'distributed' : reference.has(table) ? 'reference' : 'coordinator';

/** The table a distributed table's shards follow (itself when it starts a colocation group). */
function colocationRoot(table: string): string {
  let t = table;
  for (let i = 0; i < 10; i++) {
    const next = distributed.get(t)?.colocateWith;
    if (!next) return t;
    t = next;
  }
  throw new Error(`colocation cycle at ${table}`);
}

beforeAll(async () => {
  db = await createTestDb();
  const t = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p')`.execute(db.db);
  tables = new Set(t.rows.map((r) => r.name).filter((n) => !CITUS_PLAN.ignored.includes(n)));
  const fk = await sql<ForeignKey>`
    select con.conname as name, rel.relname as "table", ref.relname as target,
      array(select a.attname::text from unnest(con.conkey) with ordinality k(n, i)
        join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.i) as columns,
      array(select a.attname::text from unnest(con.confkey) with ordinality k(n, i)
        join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.i) as target_columns
    from pg_constraint con
    join pg_class rel on rel.oid = con.conrelid
    join pg_class ref on ref.oid = con.confrelid
    join pg_namespace n on n.oid = rel.relnamespace
    where con.contype = 'f' and n.nspname = 'public'
    order by 1`.execute(db.db);
  foreignKeys = fk.rows;
});

afterAll(async () => {
  await db?.drop();
});

describe('the Citus plan', () => {
  it('names each table once, and every table it names exists', () => {
    const named = [
      ...CITUS_PLAN.distributed.map((d) => d.table),
      ...CITUS_PLAN.reference,
      ...CITUS_PLAN.coordinator,
    ];
    expect(named.filter((t, i) => named.indexOf(t) !== i)).toEqual([]);
    expect(named.filter((t) => !tables.has(t))).toEqual([]);
    for (const fk of CITUS_PLAN.droppedForeignKeys) {
      expect(tables.has(fk.table) && tables.has(fk.references), fk.constraint).toBe(true);
    }
  });

  it('colocates only distributed tables whose distribution columns have the same type', async () => {
    const types = await sql<{ table: string; type: string; not_null: boolean }>`
      select c.relname as "table", format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and a.attnum > 0 and not a.attisdropped
        and (c.relname, a.attname) in (${sql.join(CITUS_PLAN.distributed.map((d) => sql`(${d.table}, ${d.column})`))})`.execute(
      db.db,
    );
    const byTable = new Map(types.rows.map((r) => [r.table, r]));
    for (const d of CITUS_PLAN.distributed) {
      const col = byTable.get(d.table);
      expect(col, `${d.table}.${d.column} exists`).toBeDefined();
      expect(col?.not_null, `${d.table}.${d.column} is not null`).toBe(true);
      if (d.colocateWith) {
        expect(distributed.has(d.colocateWith), `${d.table} colocates with a distributed table`).toBe(true);
        expect(col?.type).toBe(byTable.get(d.colocateWith)?.type);
      }
    }
  });

  it('puts the distribution column in every unique key of a distributed table', async () => {
    const { rows } = await sql<{ table: string; index: string; columns: (string | null)[] }>`
      select t.relname as "table", i.relname as index,
        array(select a.attname::text from unnest(x.indkey[0:x.indnkeyatts - 1]) k(n)
          left join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.n) as columns
      from pg_index x join pg_class t on t.oid = x.indrelid join pg_class i on i.oid = x.indexrelid
      join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'public' and (x.indisunique or x.indisexclusion)
        and t.relname in (${sql.join(CITUS_PLAN.distributed.map((d) => d.table))})`.execute(db.db);
    expect(rows.length).toBeGreaterThanOrEqual(CITUS_PLAN.distributed.length);
    const missing = rows
      .filter((r) => !r.columns.includes(distributed.get(r.table)!.column))
      .map((r) => `${r.index} on ${r.table}(${r.columns.map((c) => c ?? '<expression>').join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('keeps only the foreign keys Citus allows, and drops exactly those the plan names', () => {
    const dropped = new Map(CITUS_PLAN.droppedForeignKeys.map((f) => [f.constraint, f]));
    const problems: string[] = [];
    for (const fk of foreignKeys) {
      const from = kindOf(fk.table);
      const to = kindOf(fk.target);
      const what = `${fk.name}: ${fk.table}(${fk.columns.join(', ')}) [${from}] → ${fk.target} [${to}]`;
      if (dropped.has(fk.name)) {
        const d = dropped.get(fk.name)!;
        if (d.table !== fk.table || d.references !== fk.target || d.columns.join() !== fk.columns.join()) {
          problems.push(`${what}: not the key the plan drops`);
        }
        if (from !== 'distributed' || to === 'reference') problems.push(`${what}: needs no dropping`);
        continue;
      }
      if (to === 'distributed') {
        const a = distributed.get(fk.table);
        const b = distributed.get(fk.target)!;
        const pos = a ? fk.columns.indexOf(a.column) : -1;
        const ok =
          a !== undefined &&
          colocationRoot(a.table) === colocationRoot(b.table) &&
          pos >= 0 &&
          fk.target_columns[pos] === b.column;
        if (!ok)
          problems.push(`${what}: a key into a distributed table must join colocated distribution columns`);
      } else if (from === 'distributed' && to !== 'reference') {
        problems.push(
          `${what}: Citus refuses it (name it in droppedForeignKeys or make the target a reference table)`,
        );
      } else if (from === 'reference' && to !== 'reference') {
        problems.push(`${what}: a reference table may reference only reference tables`);
      }
    }
    expect(problems).toEqual([]);
    const present = new Set(foreignKeys.map((f) => f.name));
    expect(
      CITUS_PLAN.droppedForeignKeys.filter((f) => !present.has(f.constraint)).map((f) => f.constraint),
    ).toEqual([]);
  });

  it('has no trigger, sequence or function of ours behind distributed and reference tables', async () => {
    const replicated = [...CITUS_PLAN.distributed.map((d) => d.table), ...CITUS_PLAN.reference];
    const triggers = await sql<{ name: string }>`
      select c.relname || '.' || t.tgname as name from pg_trigger t join pg_class c on c.oid = t.tgrelid
      where not t.tgisinternal and c.relname in (${sql.join(replicated)})
        and c.relnamespace = 'public'::regnamespace`.execute(db.db);
    expect(triggers.rows.map((r) => r.name)).toEqual([]);
    const sequences = await sql<{ name: string }>`
      select c.relname || '.' || a.attname as name
      from pg_attrdef d join pg_class c on c.oid = d.adrelid
      join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
      where c.relname in (${sql.join(replicated)}) and c.relnamespace = 'public'::regnamespace
        and (pg_get_expr(d.adbin, d.adrelid) like '%nextval(%' or a.attidentity <> '')`.execute(db.db);
    expect(sequences.rows.map((r) => r.name)).toEqual([]);
    // Checks and defaults run where the row is written: on a worker, our functions would be missing.
    const functions = await sql<{ name: string }>`
      select c.relname || ': ' || p.proname as name
      from pg_depend dep
      join pg_proc p on p.oid = dep.refobjid and dep.refclassid = 'pg_proc'::regclass
      left join pg_constraint con on dep.classid = 'pg_constraint'::regclass and con.oid = dep.objid
      left join pg_attrdef d on dep.classid = 'pg_attrdef'::regclass and d.oid = dep.objid
      join pg_class c on c.oid = coalesce(con.conrelid, d.adrelid)
      where p.pronamespace = 'public'::regnamespace and c.relname in (${sql.join(replicated)})
        and c.relnamespace = 'public'::regnamespace`.execute(db.db);
    expect(functions.rows.map((r) => r.name)).toEqual([]);
  });

  it('is the plan docs/citus.sql was generated from', () => {
    const doc = readFileSync(new URL('../docs/citus.sql', import.meta.url), 'utf8');
    expect(doc).toBe(citusSql());
    for (const d of CITUS_PLAN.distributed) expect(doc).toContain(`create_distributed_table('${d.table}'`);
    for (const t of CITUS_PLAN.reference) expect(doc).toContain(`create_reference_table('${t}')`);
  });
});
