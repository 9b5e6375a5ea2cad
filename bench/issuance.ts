/**
 * Issuance of 100,000 unit codes (issue 9, point 2): "sign + store ≤ 2× signing plus COPY alone".
 * In one process and on one database, alternately:
 *
 * - (a) the floor: 100,000 codes of the real format (random 12-character serial, GS1 Digital Link
 *   path, JWS signing input with the real protected header) signed with a fresh ES256 key through
 *   node:crypto, then the same rows COPYed in one statement into a scratch table of the same shape
 *   as `codes` (`like codes including all`, with the same foreign keys) — pg-copy-streams on
 *   PostgreSQL, `COPY … FROM '/dev/blob'` on PGlite (and, to show what the checks and keys cost,
 *   into a table of the same columns only);
 * - (b) the real thing: `POST /api/v1/batches/{id}/codes {"serials":100000}` through the app
 *   (inject), which answers once the job is done; every code is then counted in `codes`.
 *
 * Each is run BENCH_ISSUANCE_RUNS times (default 2), alternating, and the best time of each is
 * kept (the machine is shared: the minimum is the least disturbed run). Prints the ratio (b)/(a).
 *
 *   npx tsx bench/issuance.ts                         # PGlite in memory
 *   DATABASE_URL=postgres://… npx tsx bench/issuance.ts
 *   BENCH_ISSUANCE_CODES=20000 npx tsx bench/issuance.ts
 */
import { generateKeyPairSync, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import { buildApp } from '../api/src/app.ts';
import { testConfig } from '../api/src/config.ts';
import { createUser } from '../test/helpers/app.ts';
import { makeCertifiedBatch } from '../test/helpers/code-factories.ts';
import { createTestDb, type TestDb } from '../test/helpers/db.ts';

const ORIGIN = 'https://ocop.quangngai.gov.vn';
const SERIAL_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const COLUMNS = 'path, batch_id, kind, serial, origin, kid, sig, issued_at, job_id';

export interface IssuanceBenchResult {
  kind: 'postgres' | 'pglite';
  codes: number;
  runs: number;
  /** Best of the runs, seconds. */
  floorSign: number;
  floorCopy: number;
  /** COPY of the same rows into a table of the same columns without indexes, checks or keys. */
  bareCopy: number;
  real: number;
}

/** `n` random serials of the real shape (12 characters of [0-9A-Za-z], rejection-sampled). */
function serials(n: number): string[] {
  const out: string[] = [];
  const limit = 256 - (256 % SERIAL_ALPHABET.length);
  let bytes = randomBytes(n * 16);
  let i = 0;
  while (out.length < n) {
    let s = '';
    while (s.length < 12) {
      if (i >= bytes.length) {
        bytes = randomBytes(4096);
        i = 0;
      }
      const b = bytes[i++]!;
      if (b < limit) s += SERIAL_ALPHABET[b % SERIAL_ALPHABET.length];
    }
    out.push(s);
  }
  return out;
}

/** The floor's signing half: rows of the real format, signed with node:crypto (ES256, P-1363). */
function signFloor(n: number, head: string, kid: string, key: KeyObject): string[][] {
  const header = Buffer.from(`{"alg":"ES256","kid":"${kid}","typ":"ocop-code+jws"}`).toString('base64url');
  const rows: string[][] = [];
  for (const serial of serials(n)) {
    const path = `${head}/21/${serial}`;
    const input = `${header}.${Buffer.from(`${ORIGIN}${path}`).toString('base64url')}`;
    const sig = cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString(
      'base64url',
    );
    rows.push([path, serial, sig]);
  }
  return rows;
}

/** The floor's storing half: one COPY of every row into the scratch table. */
async function copyFloor(
  db: TestDb,
  table: string,
  rows: string[][],
  fixed: { batchId: string; kid: string; jobId: string },
): Promise<void> {
  const issuedAt = new Date().toISOString();
  const line = ([path, serial, sig]: string[]) =>
    `${path}\t${fixed.batchId}\tunit\t${serial}\t${ORIGIN}\t${fixed.kid}\t${sig}\t${issuedAt}\t${fixed.jobId}\n`;
  if (db.kind === 'postgres' && db.pool) {
    const client = await db.pool.connect();
    try {
      await new Promise<void>((resolve, reject) => {
        const stream = client.query(copyFrom(`copy ${table} (${COLUMNS}) from stdin`));
        stream.on('error', reject);
        stream.on('finish', resolve);
        // In slices, as a stream would be fed, honouring back-pressure.
        let i = 0;
        const pump = () => {
          while (i < rows.length) {
            const slice = rows
              .slice(i, i + 1000)
              .map(line)
              .join('');
            i += 1000;
            if (!stream.write(slice)) return void stream.once('drain', pump);
          }
          stream.end();
        };
        pump();
      });
    } finally {
      client.release();
    }
  } else if (db.pglite) {
    const tsv = rows.map(line).join('');
    await db.pglite.query(`copy ${table} (${COLUMNS}) from '/dev/blob'`, [], {
      blob: new Blob([tsv]),
    });
  } else {
    throw new Error('no COPY path for this engine');
  }
}

export async function benchIssuance(
  opts: { codes?: number; runs?: number; log?: (s: string) => void } = {},
): Promise<IssuanceBenchResult> {
  const n = opts.codes ?? Number(process.env.BENCH_ISSUANCE_CODES ?? 100_000);
  const runs = opts.runs ?? Number(process.env.BENCH_ISSUANCE_RUNS ?? 2);
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const db = await createTestDb();
  const app = await buildApp(testConfig({ publicBaseUrl: ORIGIN }), { db });
  try {
    await app.ready();
    const admin = await createUser(app, 'admin');
    const issue = async (serialCount: number) => {
      const b = await makeCertifiedBatch(app.db, { quantity: Math.max(serialCount, 1) });
      const started = performance.now();
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/batches/${b.batchId}/codes`,
        headers: { authorization: admin.authorization },
        payload: { serials: serialCount },
      });
      const seconds = (performance.now() - started) / 1000;
      if (res.statusCode !== 201) throw new Error(`issuance failed: ${res.statusCode} ${res.body}`);
      const job = res.json<{ units: { job: { id: string; done: number; total: number; status: string } } }>()
        .units.job;
      const stored = await app.db
        .selectFrom('codes')
        .select((eb) => [
          eb.fn.countAll<string>().as('n'),
          eb.fn.count<string>('serial').distinct().as('serials'),
        ])
        .where('job_id', '=', job.id)
        .executeTakeFirstOrThrow();
      if (
        job.status !== 'done' ||
        job.done !== serialCount ||
        Number(stored.n) !== serialCount ||
        Number(stored.serials) !== serialCount
      ) {
        throw new Error(`issuance incomplete: job ${JSON.stringify(job)}, stored ${JSON.stringify(stored)}`);
      }
      return { seconds, batchId: b.batchId, jobId: job.id };
    };

    // Warm-up (JIT, key decryption, plans) and the job and batch the floor's rows point to.
    const warm = await issue(1000);
    const signer = await app.keys.signer();
    const batchCode = await app.db
      .selectFrom('codes')
      .select('path')
      .where('batch_id', '=', warm.batchId)
      .where('kind', '=', 'batch')
      .executeTakeFirstOrThrow();
    await sql`create table bench_codes_floor (like codes including all)`.execute(app.db);
    await sql`create table bench_codes_bare (like codes)`.execute(app.db);
    await sql`alter table bench_codes_floor
      add foreign key (batch_id) references batches(id),
      add foreign key (kid) references signing_keys(kid),
      add foreign key (job_id) references issuance_jobs(id)`.execute(app.db);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    signFloor(1000, batchCode.path, signer.kid, privateKey); // warm-up

    let floorSign = Infinity;
    let floorCopy = Infinity;
    let floorTotal = Infinity;
    let bareCopy = Infinity;
    let real = Infinity;
    for (let r = 0; r < runs; r++) {
      await sql`truncate bench_codes_floor, bench_codes_bare`.execute(app.db);
      let t = performance.now();
      const rows = signFloor(n, batchCode.path, signer.kid, privateKey);
      const sign = (performance.now() - t) / 1000;
      t = performance.now();
      const fixed = { batchId: warm.batchId, kid: signer.kid, jobId: warm.jobId };
      await copyFloor(db, 'bench_codes_floor', rows, fixed);
      const copy = (performance.now() - t) / 1000;
      t = performance.now();
      await copyFloor(db, 'bench_codes_bare', rows, fixed);
      bareCopy = Math.min(bareCopy, (performance.now() - t) / 1000);
      const counted = await sql<{ n: string }>`select count(*) as n from bench_codes_floor`.execute(app.db);
      if (Number(counted.rows[0]!.n) !== n) throw new Error('floor COPY incomplete');
      if (sign + copy < floorTotal) {
        floorTotal = sign + copy;
        floorSign = sign;
        floorCopy = copy;
      }
      log(
        `  run ${r + 1}: floor sign ${sign.toFixed(2)} s + COPY ${copy.toFixed(2)} s (bare table ${bareCopy.toFixed(2)} s)`,
      );
      const issued = await issue(n);
      real = Math.min(real, issued.seconds);
      log(`  run ${r + 1}: POST …/codes serials=${n}: ${issued.seconds.toFixed(2)} s`);
    }
    await sql`drop table bench_codes_floor, bench_codes_bare`.execute(app.db);
    return { kind: db.kind, codes: n, runs, floorSign, floorCopy, bareCopy, real };
  } finally {
    await app.close();
    await db.drop();
  }
}

export function formatIssuanceBench(r: IssuanceBenchResult): string {
  const floor = r.floorSign + r.floorCopy;
  const s = (x: number) => x.toFixed(2);
  const rate = (x: number) => Math.round(r.codes / x).toLocaleString('en');
  return [
    `### Issuance of ${r.codes.toLocaleString('en')} unit codes (${r.kind === 'postgres' ? 'PostgreSQL' : 'PGlite in memory'}; best of ${r.runs})`,
    '',
    '| case | seconds | codes/s | ratio |',
    '| --- | ---: | ---: | --- |',
    `| (a) floor: node:crypto ES256 signing | ${s(r.floorSign)} | ${rate(r.floorSign)} | — |`,
    `| (a) floor: COPY into a scratch table of the same shape (indexes, checks, foreign keys) | ${s(r.floorCopy)} | ${rate(r.floorCopy)} | — |`,
    `| (a) floor: signing + COPY | ${s(floor)} | ${rate(floor)} | 1 |`,
    `| (for scale) COPY into a table of the same columns only | ${s(r.bareCopy)} | ${rate(r.bareCopy)} | — |`,
    `| (b) \`POST /api/v1/batches/{id}/codes\` until every code is stored | ${s(r.real)} | ${rate(r.real)} | ${(r.real / floor).toFixed(2)}× floor (target ≤ 2) |`,
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchIssuance().then(
    (r) => process.stdout.write(formatIssuanceBench(r)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
