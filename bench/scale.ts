/**
 * How query cost grows with the data (issue 9, point 5; docs/scale.md): the demo registry
 * (packages/db demo-seed.ts) with codes and scans, then synthetic growth to 10× and 100× of its
 * producers, products, certificates, batches, codes and scans, timing at each size the queries
 * that matter — through the application's own query functions, not copies of their SQL.
 *
 * Sizes. "1×" is the demo registry (its producers, products, certificates, batches with their
 * zones and value-chain steps), each batch with one batch code and BENCH_SCALE_UNITS unit codes
 * (default 100: a realistic print run, where the demo itself issues 3), each unit code scanned
 * twice and each batch code 20 times over the last 90 days. "10×" and "100×" add 9 and 99 copies
 * of that registry (new producers, products with their own public references, certificates and
 * batches), with the same codes and scans per batch. Each size is a database of its own, written
 * by INSERT … SELECT inside the database (no client round trip per row). The registry tables keep
 * their audit triggers, so the audit log grows as it would.
 *
 * The timed subjects do not change with size: a certified batch of its own with real signed codes
 * (issued through the API: 200 unit codes, each verified once), the demo producer, the demo
 * officer. So a ratio above 1 is the cost of the rest of the data. Each query runs
 * BENCH_SCALE_RUNS times (a third of that for office aggregates) after a warm-up, round robin over
 * the sizes so that load on the shared machine falls on every size alike; medians are reported.
 *
 *   npx tsx bench/scale.ts                                    # PGlite in memory
 *   DATABASE_URL=postgres://… npx tsx bench/scale.ts          # a fresh database, dropped after
 *   BENCH_SCALE_SIZES=1,10 BENCH_SCALE_UNITS=50 npx tsx bench/scale.ts
 *   BENCH_SCALE_KEEP=1 DATABASE_URL=postgres://… npx tsx bench/scale.ts   # keep the database
 */
import { pathToFileURL } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { seedDemo, type Database } from '@ocop/db';
import { todayInVietnam } from '@ocop/domain';
import { buildApp } from '../api/src/app.ts';
import { testConfig } from '../api/src/config.ts';
import { printedOrigins } from '../api/src/routes/verify/queries.ts';
import { listBatches } from '../api/src/routes/batches/queries.ts';
import { batchAnalytics, codeAnalytics, signalList } from '../api/src/routes/analytics/queries.ts';
import { dashboard } from '../api/src/routes/dashboard/queries.ts';
import { buildSnapshot } from '../api/src/routes/snapshot/queries.ts';
import type { KeyRecord } from '../api/src/plugins/keys.ts';
import type { Scope } from '../api/src/routes/scope.ts';
import { createUser } from '../test/helpers/app.ts';
import { makeCertifiedBatch } from '../test/helpers/code-factories.ts';
import { createTestDb, type TestDb } from '../test/helpers/db.ts';

const ORIGIN = 'https://ocop.quangngai.gov.vn';
/** A retired key (no private part): codes only need a kid that exists. */
const KID = 'scaleBenchKey000000000000000000000000000000';
/** Real signed unit codes of the verified batch: each verification takes the next one. */
const VERIFY_CODES = 200;
const AREAS = ['Quảng Ngãi', 'Đà Nẵng', 'TP. Hồ Chí Minh', 'Hà Nội', 'Kon Tum', 'Bình Định'];

/** Tables whose row counts and sizes the report shows. */
const TABLES = [
  'producers',
  'products',
  'certificates',
  'batches',
  'batch_events',
  'codes',
  'scans',
  'audit_log',
];

export interface ScaleQuery {
  name: string;
  /** What it reads, for the report. */
  what: string;
  /** Point queries run more often than office aggregates. */
  heavy?: boolean;
  run(): Promise<unknown>;
}

export interface SizeResult {
  factor: number;
  seedSeconds: number;
  rows: Record<string, number>;
  bytes: Record<string, number>;
  /** Median ms per query name. */
  ms: Record<string, number>;
}

export interface PlanFinding {
  query: string;
  /** `Seq Scan on t`, `Index Scan using i on t`, … of every scan node. */
  scans: string[];
}

export interface ScaleBenchResult {
  kind: 'postgres' | 'pglite';
  unitsPerBatch: number;
  queries: { name: string; what: string }[];
  sizes: SizeResult[];
  plans: PlanFinding[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function exec(db: Kysely<Database>, text: string): Promise<void> {
  await sql.raw(text).execute(db);
}

/** The code path of a batch (`/01/{gtin}/10/{lot}` or `/p/{ref}/10/{lot}`), as SQL on `p` and `b`. */
const BATCH_PATH = `(case when p.gtin is not null then '/01/' || p.gtin else '/p/' || p.public_ref end) || '/10/' || b.lot`;

/**
 * Codes for the batches made by generation `gen` (0: the demo's own): one batch code and `units`
 * unit codes per batch, with signature-shaped fillers (never verified: they only take room).
 */
async function addCodes(db: Kysely<Database>, gen: number, units: number): Promise<void> {
  const batches = `select b.id, ${BATCH_PATH} as bpath from batches b join products p on p.id = b.product_id
    join scale_gen g on g.batch_id = b.id where g.gen = ${gen} and b.lot ~ '^[A-Za-z0-9._-]{1,20}$'`;
  // A signature-shaped filler (86 base64url characters): these codes are never verified here.
  const sig = (seed: string) => `substr(md5(${seed}) || md5(${seed} || 'a') || md5(${seed} || 'b'), 1, 86)`;
  await exec(
    db,
    `insert into codes (path, batch_id, kind, serial, origin, kid, sig, issued_at)
     select x.bpath, x.id, 'batch', null, '${ORIGIN}', '${KID}', ${sig('x.bpath')}, now() - interval '120 days'
     from (${batches}) x
     on conflict (path) do nothing`,
  );
  // One finished issuance job per batch, as the API leaves them (the unit count reads the jobs).
  await exec(
    db,
    `insert into issuance_jobs (batch_id, total, done, status, kid, created_at, finished_at)
     select x.id, ${units}, ${units}, 'done', '${KID}', now() - interval '120 days', now() - interval '120 days'
     from (${batches}) x`,
  );
  await exec(
    db,
    `insert into codes (path, batch_id, kind, serial, origin, kid, sig, issued_at, job_id)
     select x.bpath || '/21/' || s.serial, x.id, 'unit', s.serial, '${ORIGIN}', '${KID}', ${sig('s.serial')},
       now() - interval '120 days', (select j.id from issuance_jobs j where j.batch_id = x.id limit 1)
     from (${batches}) x
     cross join lateral (select substr(md5(x.id::text || ':' || i), 1, 12) as serial
       from generate_series(1, ${units}) i) s
     on conflict (path) do nothing`,
  );
}

/** Scans of the codes of generation `gen`: two per unit code, twenty per batch code, over 90 days. */
async function addScans(db: Kysely<Database>, gen: number): Promise<void> {
  const scan = (count: number, kind: string) => `
    insert into scans (path, scanned_at, verdict, signed, device_hash, area, ua_class)
    select c.path, now() - make_interval(secs => (abs(hashtext(c.path || n)) % (90 * 86400))),
      'genuine', true, md5(c.path || n) || md5(n || c.path),
      (array['${AREAS.join("','")}'])[1 + abs(hashtext(c.path || n || 'a')) % ${AREAS.length}],
      'android'
    from codes c join scale_gen g on g.batch_id = c.batch_id and g.gen = ${gen}
    cross join generate_series(1, ${count}) n
    where c.kind = '${kind}'`;
  await exec(db, scan(2, 'unit'));
  await exec(db, scan(20, 'batch'));
}

/**
 * Copies of the demo registry, generations `from`…`to`: producers, products (new public
 * references, no GTIN: GTINs are unique), certificates, batches with their zones and events.
 */
async function addGenerations(db: Kysely<Database>, from: number, to: number): Promise<void> {
  const gens = `generate_series(${from}, ${to}) g`;
  await exec(
    db,
    `create unlogged table scale_map_producers as
       select p.id as old_id, g, gen_random_uuid() as new_id from producers p, ${gens}
       where p.id in (select id from scale_demo_producers)`,
  );
  await exec(
    db,
    `insert into producers (id, name, kind, tax_code, address_line, admin_unit_id, representative, phone, email, website)
     select m.new_id, left(p.name, 280) || ' #' || m.g, p.kind, null, p.address_line, p.admin_unit_id,
       p.representative, p.phone, null, p.website
     from scale_map_producers m join producers p on p.id = m.old_id`,
  );
  await exec(
    db,
    `create unlogged table scale_map_products as
       select p.id as old_id, m.g, gen_random_uuid() as new_id, m.new_id as producer_id
       from products p join scale_map_producers m on m.old_id = p.producer_id`,
  );
  await exec(
    db,
    `insert into products (id, producer_id, criteria_set_id, category_code, origin_unit_id, name_vi, name_en,
       description_vi, description_en, gtin, image_path, search_text)
     select m.new_id, m.producer_id, p.criteria_set_id, p.category_code, p.origin_unit_id,
       left(p.name_vi, 280) || ' #' || m.g, p.name_en, p.description_vi, p.description_en, null, p.image_path,
       p.search_text
     from scale_map_products m join products p on p.id = m.old_id`,
  );
  // Certificates: copied without their supersedes links (the copy's history is flat).
  await exec(
    db,
    `insert into certificates (product_id, criteria_set_id, score_a, score_b, score_c, total_score,
       mandatory_passed, stars, level, authority, decision_no, decision_date, round, valid_from, valid_to,
       status, revocation_reason, revocation_note, revoked_at, evidence_url)
     select m.new_id, c.criteria_set_id, c.score_a, c.score_b, c.score_c, c.total_score, c.mandatory_passed,
       c.stars, c.level, c.authority, c.decision_no, c.decision_date, c.round, c.valid_from, c.valid_to,
       c.status, c.revocation_reason, c.revocation_note, c.revoked_at, c.evidence_url
     from scale_map_products m join certificates c on c.product_id = m.old_id`,
  );
  await exec(
    db,
    `create unlogged table scale_map_batches as
       select b.id as old_id, m.g, gen_random_uuid() as new_id, m.new_id as product_id
       from batches b join scale_map_products m on m.old_id = b.product_id`,
  );
  await exec(
    db,
    `insert into batches (id, product_id, lot, produced_on, best_before, quantity, unit, status, recall_reason,
       recalled_at, recalled_by, created_by)
     select m.new_id, m.product_id, b.lot, b.produced_on, b.best_before, b.quantity, b.unit, b.status,
       b.recall_reason, b.recalled_at, null, null
     from scale_map_batches m join batches b on b.id = m.old_id`,
  );
  await exec(
    db,
    `insert into batch_zones (batch_id, zone_id, quantity, unit)
     select m.new_id, z.zone_id, z.quantity, z.unit from scale_map_batches m join batch_zones z on z.batch_id = m.old_id`,
  );
  await exec(
    db,
    `insert into batch_events (batch_id, type, occurred_at, place, admin_unit_id, actor, note)
     select m.new_id, e.type, e.occurred_at, e.place, e.admin_unit_id, e.actor, e.note
     from scale_map_batches m join batch_events e on e.batch_id = m.old_id`,
  );
  await exec(db, `insert into scale_gen (batch_id, gen) select new_id, g from scale_map_batches`);
  for (const t of ['scale_map_batches', 'scale_map_products', 'scale_map_producers']) {
    await exec(db, `drop table ${t}`);
  }
}

async function tableStats(
  db: Kysely<Database>,
): Promise<{ rows: Record<string, number>; bytes: Record<string, number> }> {
  const rows: Record<string, number> = {};
  const bytes: Record<string, number> = {};
  for (const t of TABLES) {
    const r = await sql<{ n: number; b: number }>`
      select (select count(*) from ${sql.table(t)})::bigint as n, pg_total_relation_size(${t}::regclass)::bigint as b`.execute(
      db,
    );
    rows[t] = Number(r.rows[0]?.n ?? 0);
    bytes[t] = Number(r.rows[0]?.b ?? 0);
  }
  return { rows, bytes };
}

/** Every scan node of a plan: `Seq Scan on codes`, `Index Only Scan using … on codes`, … */
function scanNodes(plan: unknown, out: string[] = []): string[] {
  if (typeof plan !== 'object' || plan === null) return out;
  const node = plan as Record<string, unknown>;
  const type = node['Node Type'];
  if (typeof type === 'string' && /Scan$/.test(type) && typeof node['Relation Name'] === 'string') {
    const index = typeof node['Index Name'] === 'string' ? ` using ${node['Index Name']}` : '';
    out.push(`${type}${index} on ${node['Relation Name']}`);
  }
  for (const v of Object.values(node)) {
    if (Array.isArray(v)) for (const c of v) scanNodes(c, out);
    else if (typeof v === 'object') scanNodes(v, out);
  }
  return out;
}

async function explain(db: Kysely<Database>, text: string): Promise<string[]> {
  const { rows } = await sql<{ 'QUERY PLAN': unknown }>`explain (format json) ${sql.raw(text)}`.execute(db);
  const raw = rows[0]?.['QUERY PLAN'];
  const plan = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  return [...new Set(scanNodes(plan))];
}

interface Size {
  factor: number;
  handle: TestDb;
  close(): Promise<void>;
  seedSeconds: number;
  queries: ScaleQuery[];
  /** The statements behind the queries, for EXPLAIN. */
  planned: [string, string][];
}

/**
 * One database at `factor` × the demo: the demo registry with codes and scans, `factor - 1`
 * copies of it, and the verified subject batch with real signed codes; the timed queries on it.
 */
async function prepareSize(factor: number, units: number, log: (s: string) => void): Promise<Size> {
  const handle: TestDb = await createTestDb();
  const db = handle.db;
  const app = await buildApp(testConfig({ publicBaseUrl: ORIGIN }), {
    db: handle,
    // The bench is one client sending many verifications: no per-client limit.
    limits: { verifyRateLimit: { max: 1_000_000_000, timeWindow: 60_000 } },
  });
  const close = async () => {
    await app.close();
    if (process.env.BENCH_SCALE_KEEP && handle.url) {
      // For EXPLAIN ANALYZE by hand afterwards (drop it when done).
      log(`kept ${handle.url}`);
      await handle.close();
    } else {
      await handle.drop();
    }
  };
  try {
    await app.ready();
    const today = todayInVietnam(new Date());
    const t0 = performance.now();
    await seedDemo(db, { hashPassword: async () => 'scale-bench-no-login', today });
    await exec(
      db,
      `insert into signing_keys (kid, public_jwk, status, retired_at)
       values ('${KID}', '{"kty":"EC","crv":"P-256","x":"-","y":"-"}', 'retired', now())`,
    );
    await exec(db, `create table scale_demo_producers as select id from producers`);
    await exec(db, `create table scale_gen (batch_id uuid primary key, gen int not null)`);
    await exec(db, `insert into scale_gen (batch_id, gen) select id, 0 from batches`);
    if (factor > 1) await addGenerations(db, 1, factor - 1);
    for (let gen = 0; gen < factor; gen++) {
      await addCodes(db, gen, units);
      await addScans(db, gen);
    }
    // The verified subject: a certified batch of its own (never copied), with real signed codes
    // issued through the API and the same scans per code as every other batch.
    const subject = await makeCertifiedBatch(db, { quantity: 1000 });
    const admin = await createUser(app, 'admin');
    const issued = await app.inject({
      method: 'POST',
      url: `/api/v1/batches/${subject.batchId}/codes`,
      headers: { authorization: admin.authorization },
      payload: { serials: VERIFY_CODES },
    });
    if (issued.statusCode !== 201) throw new Error(`issuance failed: ${issued.statusCode} ${issued.body}`);
    const codes = issued.json<{ batchCode: { url: string; path: string }; units: { urls: string[] } }>();
    await exec(db, `insert into scale_gen (batch_id, gen) values ('${subject.batchId}', -1)`);
    await addScans(db, -1);
    await exec(db, 'vacuum analyze');
    const seedSeconds = (performance.now() - t0) / 1000;
    const unitUrls = codes.units.urls;
    const unitPath = new URL(unitUrls[0]!).pathname;
    let nextUnit = 0;
    const verify = async (code: string, deviceId: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/verify',
        headers: { 'user-agent': 'ocop-trace scale bench' },
        payload: { code, deviceId, area: 'Quảng Ngãi' },
      });
      const verdict = res.json<{ verdict?: string }>().verdict;
      // Earlier scans from random areas may make a unit code look copied: either verdict read the registry.
      if (res.statusCode !== 200 || (verdict !== 'genuine' && verdict !== 'suspected_copy')) {
        throw new Error(`verify answered ${res.statusCode} ${verdict ?? res.body}`);
      }
    };

    // The console subjects: the demo producer (its batches are the demo's) and the demo officer.
    const demo = await sql<{ producer_id: string; admin_unit_id: string }>`
      select (select producer_id from users where email = 'producer@demo.ocop.vn') as producer_id,
        (select admin_unit_id from users where email = 'officer@demo.ocop.vn') as admin_unit_id`.execute(db);
    const all: Scope = { kind: 'all' };
    const area: Scope = { kind: 'area', unitId: demo.rows[0]!.admin_unit_id };
    const producer: Scope = { kind: 'producer', producerId: demo.rows[0]!.producer_id };
    const revokedKey: KeyRecord = {
      kid: KID,
      keyRef: KID.slice(0, 8),
      status: 'revoked',
      publicJwk: { kty: 'EC', crv: 'P-256', x: '-', y: '-' },
      createdAt: '2026-01-01T00:00:00.000Z',
      retiredAt: null,
      revokedAt: new Date().toISOString(),
      compromisedAt: new Date().toISOString(),
      revocationReason: 'scale bench',
    };
    const year = Number(today.slice(0, 4));
    const queries: ScaleQuery[] = [
      {
        name: 'verify: unit code',
        what: 'POST /api/v1/verify (inject) of a unit code not verified before, with 2 earlier scans: signature, record, scan history, scan recorded',
        run: () => verify(unitUrls[nextUnit++ % unitUrls.length]!, `bench-device-${nextUnit}`),
      },
      {
        name: 'verify: batch code',
        what: 'POST /api/v1/verify of the batch code (20 earlier scans, more each run): record, bounded scan count',
        run: () => verify(codes.batchCode.url, 'bench-device-batch'),
      },
      {
        name: 'verify: printed origins',
        what: 'printedOrigins: distinct origins of batch codes (verify, cached 1 min; snapshot)',
        run: () => printedOrigins(db),
      },
      {
        name: 'producer: batches page 1',
        what: "listBatches, the demo producer's scope, 20 a page, with the total",
        run: () => listBatches(db, producer, { limit: 20, offset: 0 }),
      },
      {
        name: 'admin: batches page 1',
        what: 'listBatches, everything, 20 a page, with the total',
        run: () => listBatches(db, all, { limit: 20, offset: 0 }),
      },
      {
        name: 'analytics: one code',
        what: 'codeAnalytics of the unit code (scan statistics, reports, findings, open case)',
        run: () => codeAnalytics(db, all, unitPath),
      },
      {
        name: 'analytics: one batch',
        what: "batchAnalytics of the subject batch (its codes' scans, top codes)",
        heavy: true,
        run: () => batchAnalytics(db, subject.batchId),
      },
      {
        name: 'analytics: signal queue',
        what: 'signalList: codes whose last 30 days of scans look copied, all scope',
        heavy: true,
        run: () => signalList(db, all, 50),
      },
      {
        name: 'dashboard: admin',
        what: 'dashboard(): totals, stars, groups, areas, expiring, scans per day, signals, targets',
        heavy: true,
        run: () => dashboard(db, all, today, year),
      },
      {
        name: 'dashboard: officer',
        what: "dashboard() in the officer's area (scope through admin units)",
        heavy: true,
        run: () => dashboard(db, area, today, year),
      },
      {
        name: 'snapshot',
        what: 'buildSnapshot: current certificates and recalled batches (no revoked key)',
        heavy: true,
        run: () => buildSnapshot(db, [], ORIGIN, [ORIGIN], new Date()),
      },
      {
        name: 'snapshot, revoked key',
        what: 'buildSnapshot with the codes’ key revoked: batches whose codes were all signed before the compromise',
        heavy: true,
        run: () => buildSnapshot(db, [revokedKey], ORIGIN, [ORIGIN], new Date()),
      },
    ];

    // The statements behind the queries above (same SQL shapes), for EXPLAIN.
    const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;
    const planned: [string, string][] = [
      [
        'codes by path (verify record)',
        `select * from codes c join batches b on b.id = c.batch_id where c.path = ${lit(unitPath)}`,
      ],
      [
        'scans of a unit code (pastScans)',
        `select count(*), min(scanned_at) from scans where path = ${lit(unitPath)} and signed`,
      ],
      [
        'scans of a batch code (pastBatchScans)',
        `select count(*) from (select 1 from scans where path = ${lit(codes.batchCode.path)} and signed limit ${units}) s`,
      ],
      ['printed origins', `select distinct origin from codes where kind = 'batch'`],
      [
        "producer's batches",
        `select b.* from batches b join products p on p.id = b.product_id where p.producer_id = ${lit(demo.rows[0]!.producer_id)} order by b.produced_on desc limit 20`,
      ],
      [
        'recalled batches (snapshot)',
        `select b.id from batches b join products p on p.id = b.product_id where b.status = 'recalled'`,
      ],
      [
        'codes of a revoked key (snapshot)',
        `select left(path, length(path) - length(serial) - 4) from codes where kid = ${lit(KID)} group by 1 having bool_and(issued_at < now())`,
      ],
      [
        'unit codes of a batch (units)',
        `select count(*) from codes c where c.batch_id = ${lit(subject.batchId)} and c.kind = 'unit'`,
      ],
      [
        'scans of the last 30 days',
        `select count(*) from scans s where s.scanned_at > now() - interval '30 days'`,
      ],
    ];
    return { factor, handle, close, seedSeconds, queries, planned };
  } catch (err) {
    await close();
    throw err;
  }
}

export async function benchScale(
  opts: { sizes?: number[]; units?: number; runs?: number; log?: (s: string) => void } = {},
): Promise<ScaleBenchResult> {
  const factors = opts.sizes ?? (process.env.BENCH_SCALE_SIZES ?? '1,10,100').split(',').map(Number);
  const units = opts.units ?? Number(process.env.BENCH_SCALE_UNITS ?? 100);
  const runs = opts.runs ?? Number(process.env.BENCH_SCALE_RUNS ?? 15);
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const sizes: Size[] = [];
  try {
    for (const factor of factors) {
      const size = await prepareSize(factor, units, log);
      sizes.push(size);
      const stats = await tableStats(size.handle.db);
      log(
        `${factor}×: seeded in ${size.seedSeconds.toFixed(1)} s; ${stats.rows.batches} batches, ${stats.rows.codes} codes, ${stats.rows.scans} scans`,
      );
    }
    // Round robin: each run of a query goes through every size in turn, so a moment of load on
    // the shared machine falls on all sizes alike. A first pass warms caches, JIT and statements.
    const samples = sizes.map(() => new Map<string, number[]>());
    const names = sizes[0]!.queries.map((q) => q.name);
    for (const [qi, name] of names.entries()) {
      const heavy = sizes[0]!.queries[qi]!.heavy === true;
      for (const size of sizes) await size.queries[qi]!.run();
      for (let i = 0; i < (heavy ? Math.max(3, Math.ceil(runs / 3)) : runs); i++) {
        for (const [si, size] of sizes.entries()) {
          const t = performance.now();
          await size.queries[qi]!.run();
          const list = samples[si]!.get(name) ?? [];
          list.push(performance.now() - t);
          samples[si]!.set(name, list);
        }
      }
      log(
        `  ${name}: ${sizes.map((s, si) => `${s.factor}× ${median(samples[si]!.get(name)!).toFixed(2)} ms`).join(', ')}`,
      );
    }
    const results: SizeResult[] = [];
    for (const [si, size] of sizes.entries()) {
      const stats = await tableStats(size.handle.db);
      const ms = Object.fromEntries(names.map((n) => [n, median(samples[si]!.get(n)!)]));
      results.push({ factor: size.factor, seedSeconds: size.seedSeconds, ...stats, ms });
    }
    const largest = sizes.at(-1)!;
    const plans: PlanFinding[] = [];
    for (const [query, text] of largest.planned) {
      plans.push({ query, scans: await explain(largest.handle.db, text) });
    }
    return {
      kind: largest.handle.kind,
      unitsPerBatch: units,
      queries: largest.queries.map(({ name, what }) => ({ name, what })),
      sizes: results,
      plans,
    };
  } finally {
    for (const size of sizes) await size.close();
  }
}

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const fmtBytes = (b: number) =>
  b >= 1 << 30
    ? `${(b / (1 << 30)).toFixed(1)} GB`
    : b >= 1 << 20
      ? `${(b / (1 << 20)).toFixed(1)} MB`
      : `${Math.round(b / 1024)} kB`;

export function formatScaleBench(r: ScaleBenchResult): string {
  const base = r.sizes[0]!;
  const head = r.sizes.map((s) => `${s.factor}× ms`);
  const ratioHead = r.sizes.slice(1).map((s) => `${s.factor}×/${base.factor}×`);
  const lines = [
    `### Scale (${r.kind}; ${r.unitsPerBatch} unit codes a batch)`,
    '',
    `| query | ${[...head, ...ratioHead].join(' | ')} |`,
    `| --- | ${[...head, ...ratioHead].map(() => '---:').join(' | ')} |`,
  ];
  for (const q of r.queries) {
    const ms = r.sizes.map((s) => fmtMs(s.ms[q.name]!));
    const ratios = r.sizes.slice(1).map((s) => `${(s.ms[q.name]! / base.ms[q.name]!).toFixed(1)}`);
    lines.push(`| ${q.name} | ${[...ms, ...ratios].join(' | ')} |`);
  }
  lines.push(
    '',
    `| table | ${r.sizes.map((s) => `${s.factor}× rows`).join(' | ')} | ${r.sizes.map((s) => `${s.factor}× size`).join(' | ')} |`,
  );
  lines.push(`| --- | ${r.sizes.map(() => '---:').join(' | ')} | ${r.sizes.map(() => '---:').join(' | ')} |`);
  for (const t of TABLES) {
    lines.push(
      `| ${t} | ${r.sizes.map((s) => String(s.rows[t])).join(' | ')} | ${r.sizes.map((s) => fmtBytes(s.bytes[t]!)).join(' | ')} |`,
    );
  }
  lines.push(
    '',
    `Seeding: ${r.sizes.map((s) => `${s.factor}× ${s.seedSeconds.toFixed(1)} s`).join(', ')}.`,
    '',
  );
  lines.push(`Plans at ${r.sizes.at(-1)!.factor}× (EXPLAIN, scan nodes):`, '');
  for (const p of r.plans) lines.push(`- ${p.query}: ${p.scans.join('; ') || '(no scan node)'}`);
  lines.push('', 'Queries:', '');
  for (const q of r.queries) lines.push(`- **${q.name}** — ${q.what}`);
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchScale()
    .then((r) => process.stdout.write(formatScaleBench(r)))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
