import { Readable } from 'node:stream';
import type { Kysely, Transaction } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import type { Certificate, Database, DbHandle } from '@ocop/db';
import {
  codePath,
  codeSigningInput,
  compareDates,
  formatCodeUrl,
  newSerial,
  wasValidOn,
  type CertificateValidity,
  type CodeIdentity,
} from '@ocop/domain';
import type { AuthUser } from '../../plugins/auth.ts';
import type { Signer } from '../../plugins/keys.ts';
import { isUnitWithin } from '../scope.ts';

/** Unit codes listed in the JSON answer up to this many; beyond, the answer links to the CSV. */
export const INLINE_UNIT_CODES = 1000;
/** Most unit codes one request may issue. */
export const MAX_UNIT_CODES = 100_000;
/** Unit codes signed and written per transaction (progress moves by this much). */
export const ISSUE_CHUNK = 1000;

/** Codes signed between two yields to the event loop (some 5 ms of signing on this machine). */
const SIGN_SLICE = 100;

/**
 * Random bytes for serials, drawn from the CSPRNG 16 KiB at a time and each handed out once:
 * one `getRandomValues` call per 16 KiB instead of one per serial.
 */
function randomPool(): (b: Uint8Array) => Uint8Array {
  const pool = new Uint8Array(16_384);
  let pos = pool.length;
  return (b) => {
    if (pos + b.length > pool.length) {
      globalThis.crypto.getRandomValues(pool);
      pos = 0;
    }
    b.set(pool.subarray(pos, pos + b.length));
    pos += b.length;
    return b;
  };
}

/** A batch with what issuing and verifying its codes needs. */
export interface BatchForCodes {
  id: string;
  lot: string;
  producedOn: string;
  bestBefore: string | null;
  status: 'active' | 'recalled';
  quantity: string;
  unit: string;
  productId: string;
  gtin: string | null;
  publicRef: string;
  producerId: string;
  producerUnitId: string | null;
}

export async function findBatchForCodes(
  db: Kysely<Database>,
  batchId: string,
): Promise<BatchForCodes | undefined> {
  const row = await db
    .selectFrom('batches as b')
    .innerJoin('products as p', 'p.id', 'b.product_id')
    .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
    .select([
      'b.id',
      'b.lot',
      'b.produced_on',
      'b.best_before',
      'b.status',
      'b.quantity',
      'b.unit',
      'p.id as product_id',
      'p.gtin',
      'p.public_ref',
      'pr.id as producer_id',
      'pr.admin_unit_id as producer_unit_id',
    ])
    .where('b.id', '=', batchId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    lot: row.lot,
    producedOn: row.produced_on,
    bestBefore: row.best_before,
    status: row.status,
    quantity: String(row.quantity),
    unit: row.unit,
    productId: row.product_id,
    gtin: row.gtin,
    publicRef: row.public_ref,
    producerId: row.producer_id,
    producerUnitId: row.producer_unit_id,
  };
}

/** The identity printed in a batch's codes: its GTIN-14 when the product has one, else its ref. */
export function identityOf(
  batch: Pick<BatchForCodes, 'gtin' | 'publicRef' | 'lot'>,
  serial: string | null,
): CodeIdentity {
  return {
    gtin: batch.gtin,
    productRef: batch.gtin === null ? batch.publicRef : null,
    lot: batch.lot,
    serial,
  };
}

/** The certificate fields the issuance and verification rules read. */
export interface CertificateLike {
  status: Certificate['status'];
  valid_from: string;
  valid_to: string;
  revoked_at: Date | string | null;
}

export function validityOf(c: CertificateLike): CertificateValidity {
  return {
    status: c.status,
    validFrom: c.valid_from,
    validTo: c.valid_to,
    revokedAt: c.revoked_at === null ? null : new Date(c.revoked_at).toISOString(),
  };
}

/** Every certificate of a product, newest decision first. */
export async function productCertificates(db: Kysely<Database>, productId: string): Promise<Certificate[]> {
  return db
    .selectFrom('certificates')
    .selectAll()
    .where('product_id', '=', productId)
    .orderBy('decision_date', 'desc')
    .orderBy('created_at', 'desc')
    .execute();
}

/** The product's current certificate: the active one, else the newest decision. */
export function currentCertificateOf<C extends CertificateLike>(certs: readonly C[]): C | null {
  return certs.find((c) => c.status === 'active') ?? certs[0] ?? null;
}

/**
 * The certificate that covered a batch made on `producedOn`: the newest one valid that day, else
 * the newest whose dates cover the day (revoked before it), else the current one.
 */
export function batchCertificateOf<C extends CertificateLike>(
  certs: readonly C[],
  producedOn: string,
): C | null {
  return (
    certs.find((c) => wasValidOn(validityOf(c), producedOn)) ??
    certs.find(
      (c) => compareDates(c.valid_from, producedOn) <= 0 && compareDates(producedOn, c.valid_to) <= 0,
    ) ??
    currentCertificateOf(certs)
  );
}

export interface CodeRow {
  path: string;
  kind: 'batch' | 'unit';
  serial: string | null;
  origin: string;
  kid: string;
  sig: string;
  issuedAt: string;
  url: string;
}

function toCodeRow(r: {
  path: string;
  kind: 'batch' | 'unit';
  serial: string | null;
  origin: string;
  kid: string;
  sig: string;
  issued_at: Date | string;
}): CodeRow {
  const canonical = `${r.origin}${r.path}`;
  return {
    path: r.path,
    kind: r.kind,
    serial: r.serial,
    origin: r.origin,
    kid: r.kid,
    sig: r.sig,
    issuedAt: new Date(r.issued_at).toISOString(),
    url: formatCodeUrl(canonical, r.kid, r.sig),
  };
}

const CODE_COLUMNS = ['path', 'kind', 'serial', 'origin', 'kid', 'sig', 'issued_at'] as const;

export async function findBatchCode(db: Kysely<Database>, batchId: string): Promise<CodeRow | undefined> {
  const row = await db
    .selectFrom('codes')
    .select(CODE_COLUMNS)
    .where('batch_id', '=', batchId)
    .where('kind', '=', 'batch')
    .orderBy('issued_at')
    .limit(1)
    .executeTakeFirst();
  return row ? toCodeRow(row) : undefined;
}

/**
 * The batch code, signed and recorded once: re-issuing answers the same code (its path is fixed
 * by product and lot, the primary key, so two concurrent first issues still make one).
 */
export async function ensureBatchCode(
  db: Kysely<Database>,
  batch: BatchForCodes,
  signer: Signer,
  origin: string,
  issuedAt: Date = new Date(),
): Promise<CodeRow> {
  const existing = await findBatchCode(db, batch.id);
  if (existing) return existing;
  const path = codePath(identityOf(batch, null));
  const sig = signer.sign(codeSigningInput(signer.kid, `${origin}${path}`));
  await db
    .insertInto('codes')
    .values({
      path,
      batch_id: batch.id,
      kind: 'batch',
      serial: null,
      origin,
      kid: signer.kid,
      sig,
      issued_at: issuedAt,
    })
    .onConflict((oc) => oc.column('path').doNothing())
    .execute();
  const row = await db
    .selectFrom('codes')
    .select(CODE_COLUMNS)
    .where('path', '=', path)
    .executeTakeFirstOrThrow();
  return toCodeRow(row);
}

export interface JobRow {
  id: string;
  batchId: string;
  total: number;
  done: number;
  status: 'running' | 'done' | 'failed';
  kid: string | null;
  createdAt: string;
  finishedAt: string | null;
}

function toJobRow(r: {
  id: string;
  batch_id: string;
  total: number;
  done: number;
  status: 'running' | 'done' | 'failed';
  kid: string | null;
  created_at: Date | string;
  finished_at: Date | string | null;
}): JobRow {
  return {
    id: r.id,
    batchId: r.batch_id,
    total: Number(r.total),
    done: Number(r.done),
    status: r.status,
    kid: r.kid,
    createdAt: new Date(r.created_at).toISOString(),
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
  };
}

const JOB_COLUMNS = [
  'id',
  'batch_id',
  'total',
  'done',
  'status',
  'kid',
  'created_at',
  'finished_at',
] as const;

export async function findJob(
  db: Kysely<Database>,
  batchId: string,
  jobId: string,
): Promise<JobRow | undefined> {
  const row = await db
    .selectFrom('issuance_jobs')
    .select(JOB_COLUMNS)
    .where('id', '=', jobId)
    .where('batch_id', '=', batchId)
    .executeTakeFirst();
  return row ? toJobRow(row) : undefined;
}

export async function listJobs(db: Kysely<Database>, batchId: string): Promise<JobRow[]> {
  const rows = await db
    .selectFrom('issuance_jobs')
    .select(JOB_COLUMNS)
    .where('batch_id', '=', batchId)
    .orderBy('created_at', 'desc')
    .limit(100)
    .execute();
  return rows.map(toJobRow);
}

/** Unit codes issued for a batch (sum over finished and partial jobs: no scan of the codes). */
export async function unitCodeCount(db: Kysely<Database>, batchId: string): Promise<number> {
  const row = await db
    .selectFrom('issuance_jobs')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('done'), eb.val(0)).as('n'))
    .where('batch_id', '=', batchId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

type CodeTuple = readonly [path: string, serial: string, sig: string];

/**
 * Writes one chunk of unit codes and the job's progress in one transaction: COPY on PostgreSQL
 * (pg-copy-streams) and on PGlite (COPY FROM '/dev/blob'), multi-row INSERT otherwise. Every field
 * is from a fixed alphabet (no tab, newline or backslash), so the text format needs no escaping.
 */
async function writeChunk(
  handle: DbHandle,
  batchId: string,
  jobId: string,
  origin: string,
  kid: string,
  issuedAt: string,
  rows: readonly CodeTuple[],
  done: number,
): Promise<void> {
  const columns = 'path, batch_id, kind, serial, origin, kid, sig, issued_at, job_id';
  const tsv = rows
    .map(
      ([path, serial, sig]) =>
        `${path}\t${batchId}\tunit\t${serial}\t${origin}\t${kid}\t${sig}\t${issuedAt}\t${jobId}\n`,
    )
    .join('');
  if (handle.kind === 'postgres' && handle.pool) {
    const client = await handle.pool.connect();
    try {
      await client.query('begin');
      await new Promise<void>((resolve, reject) => {
        const stream = client.query(copyFrom(`copy codes (${columns}) from stdin`));
        stream.on('error', reject);
        stream.on('finish', resolve);
        stream.end(tsv);
      });
      await client.query('update issuance_jobs set done = $1 where id = $2', [done, jobId]);
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    return;
  }
  const pglite = handle.pglite;
  await handle.db.transaction().execute(async (trx) => {
    if (handle.kind === 'pglite' && pglite) {
      // The Kysely transaction holds PGlite's only connection, so this runs inside it.
      await pglite.query(`copy codes (${columns}) from '/dev/blob'`, [], { blob: new Blob([tsv]) });
    } else {
      await trx
        .insertInto('codes')
        .values(
          rows.map(([path, serial, sig]) => ({
            path,
            batch_id: batchId,
            kind: 'unit' as const,
            serial,
            origin,
            kid,
            sig,
            issued_at: issuedAt,
            job_id: jobId,
          })),
        )
        .execute();
    }
    await trx.updateTable('issuance_jobs').set({ done }).where('id', '=', jobId).execute();
  });
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/** Work done in the transactions that open and close an issuance job. */
export interface IssuanceHooks {
  /** Before the job is recorded (the daily quota check); throwing refuses the job. */
  onStart?: (trx: Transaction<Database>) => Promise<void>;
  /** With the job's end (the request's stored answer). */
  onDone?: (trx: Transaction<Database>, job: JobRow, urls: string[] | null) => Promise<void>;
}

/**
 * Issues `total` unit codes for a batch as a job: serials drawn at random, signed and written in
 * chunks of {@link ISSUE_CHUNK}, each chunk committed with the job's progress, so memory stays flat
 * and `GET …/codes/jobs/{id}` shows how far it got. Yields to the event loop between chunks.
 * Returns the first {@link INLINE_UNIT_CODES} URLs when the job is that small.
 */
export async function issueUnitCodes(
  handle: DbHandle,
  batch: BatchForCodes,
  signer: Signer,
  origin: string,
  total: number,
  requestedBy: string | null,
  onProgress?: (done: number) => void,
  hooks: IssuanceHooks = {},
): Promise<{ job: JobRow; urls: string[] | null }> {
  const db = handle.db;
  const { onStart, onDone } = hooks;
  const jobRow = await db.transaction().execute(async (trx) => {
    await onStart?.(trx);
    return trx
      .insertInto('issuance_jobs')
      .values({ batch_id: batch.id, requested_by: requestedBy, total, kid: signer.kid })
      .returning(JOB_COLUMNS)
      .executeTakeFirstOrThrow();
  });
  const urls: string[] | null = total <= INLINE_UNIT_CODES ? [] : null;
  // Serials drawn and signed with node:crypto on this thread (about 18k ES256 signatures/s per
  // core; WebCrypto on the thread pool measured no faster on two cores and would starve the pool
  // that password hashing needs), in slices of SIGN_SLICE between which other requests run. What
  // is the same for every code of the job is built once: the path up to the serial and the
  // signing input's protected header (checked against the domain's own construction on the first
  // code of every chunk), so a code costs a serial, a base64url encoding and its signature.
  const batchPath = codePath(identityOf(batch, null));
  const inputPrefix = codeSigningInput(signer.kid, '');
  const random = randomPool();
  const prepare = async (n: number): Promise<{ rows: CodeTuple[]; urls: string[] }> => {
    const rows: CodeTuple[] = [];
    const chunkUrls: string[] = [];
    for (let i = 0; i < n; i++) {
      const serial = newSerial(random);
      const path = `${batchPath}/21/${serial}`;
      const canonical = `${origin}${path}`;
      const input = inputPrefix + Buffer.from(canonical, 'utf8').toString('base64url');
      if (
        i === 0 &&
        (path !== codePath(identityOf(batch, serial)) || input !== codeSigningInput(signer.kid, canonical))
      ) {
        throw new Error('the fast signing input differs from codeSigningInput');
      }
      const sig = signer.sign(input);
      rows.push([path, serial, sig]);
      if (urls) chunkUrls.push(formatCodeUrl(canonical, signer.kid, sig));
      // Let other requests (and the write of the previous chunk) in between slices.
      if ((i + 1) % SIGN_SLICE === 0) await new Promise((r) => setImmediate(r));
    }
    return { rows, urls: chunkUrls };
  };
  const write = (rows: readonly CodeTuple[], after: number) =>
    writeChunk(handle, batch.id, jobRow.id, origin, signer.kid, new Date().toISOString(), rows, after);
  let done = 0;
  try {
    // Chunk k is written while chunk k+1 is signed: on PostgreSQL the server stores one while this
    // process signs the other. Writes stay one after another, so progress only moves forward.
    let chunk = await prepare(Math.min(ISSUE_CHUNK, total));
    let attempt = 0;
    for (;;) {
      const after = done + chunk.rows.length;
      const writing = write(chunk.rows, after);
      writing.catch(() => undefined); // awaited below
      const rest = total - after;
      const next = rest > 0 ? prepare(Math.min(ISSUE_CHUNK, rest)) : null;
      next?.catch(() => undefined); // awaited below
      try {
        await writing;
      } catch (err) {
        await next?.catch(() => undefined);
        // A serial collision (71 random bits: about never) only redraws the chunk.
        if (!isUniqueViolation(err) || attempt >= 2) throw err;
        attempt += 1;
        chunk = await prepare(chunk.rows.length);
        continue;
      }
      attempt = 0;
      if (urls) urls.push(...chunk.urls);
      done = after;
      onProgress?.(done);
      if (!next) break;
      chunk = await next;
    }
    // The job's end and what `onDone` writes (the request's stored answer) commit together.
    const job = await db.transaction().execute(async (trx) => {
      const finished = toJobRow(
        await trx
          .updateTable('issuance_jobs')
          .set({ status: 'done', finished_at: new Date() })
          .where('id', '=', jobRow.id)
          .returning(JOB_COLUMNS)
          .executeTakeFirstOrThrow(),
      );
      await onDone?.(trx, finished, urls);
      return finished;
    });
    return { job, urls };
  } catch (err) {
    await db
      .updateTable('issuance_jobs')
      .set({
        status: 'failed',
        finished_at: new Date(),
        error: 'issuance stopped; the codes written so far stay valid',
      })
      .where('id', '=', jobRow.id)
      .execute()
      .catch(() => undefined);
    throw err;
  }
}

/** The unit-code URLs of one job, in path order (for an idempotent replay or a small listing). */
export async function jobUrls(db: Kysely<Database>, jobId: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('codes')
    .select(CODE_COLUMNS)
    .where('job_id', '=', jobId)
    .orderBy('path')
    .limit(limit)
    .execute();
  return rows.map((r) => toCodeRow(r).url);
}

const CSV_PAGE = 5000;

/**
 * Every code of a batch (or of one job) as CSV, streamed page by page (keyset on the path), so
 * 100,000 codes never sit in memory. Columns: kind, url, serial, issued_at, kid.
 */
export function codesCsv(db: Kysely<Database>, batchId: string, jobId?: string): Readable {
  async function* rows(): AsyncGenerator<string> {
    yield 'kind,url,serial,issued_at,kid\n';
    let after = '';
    for (;;) {
      let q = db.selectFrom('codes').select(CODE_COLUMNS).where('batch_id', '=', batchId);
      if (jobId !== undefined) q = q.where('job_id', '=', jobId);
      const page = await q.where('path', '>', after).orderBy('path').limit(CSV_PAGE).execute();
      if (page.length === 0) return;
      let out = '';
      for (const r of page) {
        const c = toCodeRow(r);
        out += `${c.kind},${c.url},${c.serial ?? ''},${c.issuedAt},${c.kid}\n`;
      }
      yield out;
      after = page[page.length - 1]!.path;
      if (page.length < CSV_PAGE) return;
    }
  }
  return Readable.from(rows());
}

/**
 * The batch, if `user` may handle its codes and labels: its producer, an officer within whose
 * area the producer is, an admin. Undefined otherwise, as if the batch did not exist.
 */
export async function findBatchForCodesVisibleTo(
  db: Kysely<Database>,
  user: Pick<AuthUser, 'role' | 'producerId' | 'adminUnitId'>,
  batchId: string,
): Promise<BatchForCodes | undefined> {
  const batch = await findBatchForCodes(db, batchId);
  if (batch === undefined) return undefined;
  const visible =
    user.role === 'admin' ||
    (user.role === 'producer' && user.producerId === batch.producerId) ||
    (user.role === 'officer' &&
      user.adminUnitId !== null &&
      (await batchInArea(db, batch, user.adminUnitId)));
  return visible ? batch : undefined;
}

/** Is the producer's unit inside `rootId` (an officer's area)? */
export async function batchInArea(
  db: Kysely<Database>,
  batch: BatchForCodes,
  areaId: string,
): Promise<boolean> {
  if (batch.producerUnitId === null) return false;
  return isUnitWithin(db, batch.producerUnitId, areaId);
}
