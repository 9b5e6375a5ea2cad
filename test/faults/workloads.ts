import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '@ocop/db';
import { addDays, todayInVietnam } from '@ocop/domain';
import { hashPassword } from '../../api/src/auth/passwords.ts';
import { makeBatch, makeCertificate, makeProduct, makeZone } from '../helpers/factories.ts';
import type { Outcome } from './support.ts';

/**
 * The writes a fault test loads the server with, and the checks that nothing was lost or half
 * stored afterwards ("nothing lost", reliability.md §7): every write that answered 2xx is stored in
 * full, nothing is stored that was not sent, and a write that failed left at most a whole row
 * (a commit whose answer was lost), never a part.
 */
export interface Workload {
  name: string;
  /** The request of the i-th write. */
  request(i: number): { url: string; init: RequestInit; sent: unknown };
  /** Check the database against the outcomes; returns what was checked, throws on a violation. */
  verify(db: Kysely<Database>, outcomes: Outcome[]): Promise<string[]>;
}

/** A distinct client address per request, passed by the trusted loopback proxy (rate limits). */
function clientAddress(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/**
 * Consumer reports (POST /api/v1/reports): public, single-row writes. The marker in `details`
 * ties each row to the request that sent it.
 */
export function reportsWorkload(origin: string): Workload {
  const run = randomBytes(4).toString('hex');
  return {
    name: 'POST /api/v1/reports',
    request(i) {
      const body = { reason: 'other', details: `fault-${run}-${i}`, place: 'Chợ Quảng Ngãi', lang: 'vi' };
      return {
        url: `${origin}/api/v1/reports`,
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': clientAddress(i) },
          body: JSON.stringify(body),
        },
        sent: body,
      };
    },
    async verify(db, all) {
      const outcomes = all.filter((o) => typeof (o.sent as { details?: unknown }).details === 'string');
      const rows = await db
        .selectFrom('reports')
        .select(['id', 'details', 'place', 'reason'])
        .where('details', 'like', `fault-${run}-%`)
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      const ok = outcomes.filter((o) => o.status === 201);
      const failed = outcomes.filter((o) => o.status !== 201);
      for (const o of ok) {
        const id = (o.body as { id?: string }).id;
        const sent = o.sent as { details: string; place: string };
        const row = id ? byId.get(id) : undefined;
        if (!row) throw new Error(`report ${id} answered 201 but is not stored`);
        if (row.details !== sent.details || row.place !== sent.place || row.reason !== 'other')
          throw new Error(`report ${id} is stored differently from what was sent`);
      }
      const sentMarkers = new Set(outcomes.map((o) => (o.sent as { details: string }).details));
      const markers = rows.map((r) => r.details ?? '');
      if (markers.some((m) => !sentMarkers.has(m))) throw new Error('a report is stored that was never sent');
      if (new Set(markers).size !== markers.length) throw new Error('a report is stored twice');
      const extra = rows.length - ok.length;
      if (extra < 0 || extra > failed.length) throw new Error(`${extra} rows beyond the 2xx answers`);
      return [
        `${ok.length} reports answered 201, all ${ok.length} stored exactly as sent`,
        `${failed.length} failed writes left ${extra} committed-but-unanswered rows (≤ failed), none partial, none duplicated`,
      ];
    },
  };
}

export interface BatchFixture {
  productId: string;
  zoneIds: [string, string];
  producedOn: string;
}

/**
 * Batch creation (POST /api/v1/batches): one transaction writes the batch, its two zones, its two
 * events and their audit entries, so a fault mid-way must leave all of it or none. Every request
 * carries its own Idempotency-Key; `retryFailed` re-sends the failed ones with the same key, which
 * must create each batch exactly once (D04: a commit whose answer was lost is replayed, not
 * repeated).
 */
export function batchesWorkload(
  origin: string,
  authorization: string,
  fixture: BatchFixture,
): Workload & { retryFailed(outcomes: Outcome[]): Promise<Outcome[]> } {
  const run = randomBytes(3).toString('hex');
  const build = (i: number) => {
    const body = {
      productId: fixture.productId,
      lot: `F${run}-${i}`,
      producedOn: fixture.producedOn,
      quantity: 100 + (i % 50),
      unit: 'kg',
      zones: [{ zoneId: fixture.zoneIds[0], quantity: 60, unit: 'kg' }, { zoneId: fixture.zoneIds[1] }],
      events: [
        { type: 'harvest', occurredAt: `${fixture.producedOn}T06:00:00+07:00`, place: 'Lý Sơn' },
        { type: 'packaging', occurredAt: `${fixture.producedOn}T15:00:00+07:00`, note: `fault ${i}` },
      ],
    };
    return {
      url: `${origin}/api/v1/batches`,
      init: {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization,
          'idempotency-key': `fault-${run}-${i}`,
        },
        body: JSON.stringify(body),
      },
      sent: body,
    };
  };
  const isBatch = (o: Outcome) => typeof (o.sent as { lot?: unknown }).lot === 'string';
  return {
    name: 'POST /api/v1/batches',
    request: build,
    async retryFailed(outcomes) {
      const again: Outcome[] = [];
      for (const o of outcomes.filter((x) => isBatch(x) && x.status !== 201)) {
        const i = Number((o.sent as { lot: string }).lot.split('-').at(-1));
        const { url, init, sent } = build(i);
        const started = performance.now();
        const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
        again.push({
          status: res.status,
          ms: performance.now() - started,
          retryAfter: res.headers.get('retry-after'),
          body: (await res.json()) as unknown,
          sent,
        });
      }
      return again;
    },
    async verify(db, all) {
      const outcomes = all.filter(isBatch);
      const prefix = `F${run}-`;
      const batches = await db
        .selectFrom('batches')
        .select(['id', 'lot', 'quantity'])
        .where('lot', 'like', `${prefix}%`)
        .execute();
      const ids = batches.map((b) => b.id);
      const zoneRows = ids.length
        ? await db.selectFrom('batch_zones').select(['batch_id']).where('batch_id', 'in', ids).execute()
        : [];
      const eventRows = ids.length
        ? await db.selectFrom('batch_events').select(['batch_id']).where('batch_id', 'in', ids).execute()
        : [];
      const audited = ids.length
        ? await db
            .selectFrom('audit_log')
            .select(['entity', 'entity_id'])
            .where('action', '=', 'insert')
            .where('entity', 'in', ['batches', 'batch_zones'])
            .where('entity_id', 'in', ids)
            .execute()
        : [];
      const count = (rows: { batch_id: string }[], id: string) =>
        rows.filter((r) => r.batch_id === id).length;
      for (const b of batches) {
        if (count(zoneRows, b.id) !== 2 || count(eventRows, b.id) !== 2)
          throw new Error(
            `batch ${b.lot} is partial: ${count(zoneRows, b.id)} zones, ${count(eventRows, b.id)} events`,
          );
        const entries = audited.filter((a) => a.entity_id === b.id);
        if (
          entries.filter((a) => a.entity === 'batches').length !== 1 ||
          entries.filter((a) => a.entity === 'batch_zones').length !== 2
        )
          throw new Error(`batch ${b.lot} lacks its audit entries`);
      }
      const byLot = new Map(batches.map((b) => [b.lot, b]));
      if (byLot.size !== batches.length) throw new Error('a lot is stored twice');
      const ok = outcomes.filter((o) => o.status === 201);
      for (const o of ok) {
        const sent = o.sent as { lot: string; quantity: number };
        const row = byLot.get(sent.lot);
        const id = (o.body as { id?: string }).id;
        if (!row || row.id !== id)
          throw new Error(`batch ${sent.lot} answered 201 but is not stored as answered`);
        if (Number(row.quantity) !== sent.quantity)
          throw new Error(`batch ${sent.lot} stored a different quantity`);
      }
      const sentLots = new Set(outcomes.map((o) => (o.sent as { lot: string }).lot));
      if (batches.some((b) => !sentLots.has(b.lot))) throw new Error('a batch is stored that was never sent');
      const okLots = new Set(ok.map((o) => (o.sent as { lot: string }).lot));
      const unanswered = batches.filter((b) => !okLots.has(b.lot)).length;
      return [
        `${okLots.size} batches answered 201, each stored as answered with its 2 zones, 2 events and audit entries`,
        `${batches.length} batches stored in all; ${unanswered} committed without a 2xx answer (a lost answer), none partial, no lot twice`,
      ];
    },
  };
}

/**
 * Code issuance (POST /api/v1/batches/{id}/codes {serials}), rotating over a few batches. Each
 * answer that is 201 must have its job done with every code stored; a job cut off by a fault keeps
 * exactly the codes its progress counter says (chunks are atomic: written and counted together),
 * and no serial or path is ever stored twice.
 */
export function issuanceWorkload(
  origin: string,
  authorization: string,
  batchIds: string[],
  serials = 25,
): Workload {
  const run = randomBytes(3).toString('hex');
  const isIssue = (o: Outcome) => (o.sent as { issue?: unknown }).issue === true;
  return {
    name: 'POST /api/v1/batches/{id}/codes',
    request(i) {
      const batchId = batchIds[i % batchIds.length]!;
      return {
        url: `${origin}/api/v1/batches/${batchId}/codes`,
        init: {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization,
            'idempotency-key': `issue-${run}-${i}`,
          },
          body: JSON.stringify({ serials }),
        },
        sent: { issue: true, batchId, serials },
      };
    },
    async verify(db, all) {
      const outcomes = all.filter(isIssue);
      const ok = outcomes.filter((o) => o.status === 201);
      for (const o of ok) {
        const job = (o.body as { units?: { job?: { id: string } } }).units?.job;
        if (!job) throw new Error('an issuance answered 201 without its job');
        const row = await db
          .selectFrom('issuance_jobs')
          .select(['status', 'done', 'total'])
          .where('id', '=', job.id)
          .executeTakeFirst();
        const { rows } = await sql<{
          n: number;
        }>`select count(*)::int as n from codes where job_id = ${job.id}`.execute(db);
        if (!row || row.status !== 'done' || row.done !== serials || rows[0]?.n !== serials)
          throw new Error(`issuance job ${job.id} answered 201 but holds ${rows[0]?.n} of ${serials} codes`);
      }
      const { rows: jobs } = await sql<{
        id: string;
        status: string;
        done: number;
        total: number;
        n: number;
      }>`
        select j.id, j.status, j.done, j.total, (select count(*)::int from codes c where c.job_id = j.id) as n
        from issuance_jobs j where j.batch_id in (${sql.join(batchIds)})`.execute(db);
      const torn = jobs.filter((j) => j.n !== j.done);
      if (torn.length)
        throw new Error(`${torn.length} jobs hold a number of codes other than their progress`);
      const { rows: dup } = await sql<{ n: number }>`select count(*)::int as n from (
          select serial from codes where serial is not null group by serial having count(*) > 1) d`.execute(
        db,
      );
      if (dup[0]?.n) throw new Error(`${dup[0].n} serials are stored twice`);
      const { rows: batchCodes } = await sql<{ n: number }>`select count(*)::int as n from codes
        where kind = 'batch' and batch_id in (${sql.join(batchIds)}) group by batch_id having count(*) > 1`.execute(
        db,
      );
      if (batchCodes.length) throw new Error('a batch has two batch codes');
      const codes = jobs.reduce((sum, j) => sum + j.n, 0);
      const cut = jobs.filter((j) => j.status !== 'done');
      return [
        `${ok.length} issuances answered 201: each job done with all ${serials} codes stored`,
        `${jobs.length} jobs, ${codes} unit codes; ${cut.length} jobs cut off by a fault hold exactly their progress count (no torn chunk); no serial twice; one batch code per batch`,
      ];
    },
  };
}

/**
 * Verification (POST /api/v1/verify) of issued codes and of garbage: the answer is always 200 — a
 * verdict — even while the database is down (a signed code is then `status_unknown`, never a 5xx).
 */
export function verifyWorkload(origin: string, urls: string[]): Workload {
  return {
    name: 'POST /api/v1/verify',
    request(i) {
      const code =
        i % 5 === 4
          ? `https://evil.test/01/0893${i}/10/X?s=${'A'.repeat(86)}`
          : (urls[i % urls.length] ?? 'x');
      return {
        url: `${origin}/api/v1/verify`,
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': clientAddress(500_000 + i) },
          body: JSON.stringify({ code, deviceId: `fault-device-${i % 7}` }),
        },
        sent: { verify: true },
      };
    },
    async verify(_db, all) {
      const outcomes = all.filter((o) => (o.sent as { verify?: unknown }).verify === true);
      const verdicts: Record<string, number> = {};
      for (const o of outcomes) {
        if (o.status !== 200) throw new Error(`verification answered ${o.status}`);
        const v = String((o.body as { verdict?: unknown }).verdict);
        verdicts[v] = (verdicts[v] ?? 0) + 1;
      }
      return [
        `${outcomes.length} verifications all answered 200 with a verdict: ${JSON.stringify(verdicts)}`,
      ];
    },
  };
}

/** Total audit entries, for the report. */
export async function auditEntries(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(db);
  return rows[0]?.n ?? 0;
}

export interface Prepared {
  authorization: string;
  fixture: BatchFixture;
  /** Batches to issue codes for. */
  issuable: string[];
  /** Code URLs issued before the faults, to verify under them. */
  codeUrls: string[];
}

/**
 * Fixtures in the server's (already migrated) database: an admin who signs in over HTTP, a
 * certified product with two zones (batch creation), three batches (issuance), and 21 codes
 * issued before any fault (verification).
 */
export async function prepare(origin: string, db: Kysely<Database>): Promise<Prepared> {
  const email = `fault-admin-${randomBytes(3).toString('hex')}@test.ocop.vn`;
  await db
    .insertInto('users')
    .values({
      email,
      password_hash: await hashPassword('fault-test-password'),
      display_name: 'Fault admin',
      role: 'admin',
    })
    .execute();
  const signIn = await fetch(`${origin}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'fault-test-password' }),
  });
  if (signIn.status !== 200) throw new Error(`sign-in answered ${signIn.status}`);
  const authorization = `Bearer ${((await signIn.json()) as { access_token: string }).access_token}`;
  const product = await makeProduct(db);
  await makeCertificate(db, product.id);
  const [z1, z2] = [await makeZone(db), await makeZone(db)];
  const issuable: string[] = [];
  for (let i = 0; i < 3; i++) issuable.push((await makeBatch(db, product.id)).id);
  const issued = await fetch(`${origin}/api/v1/batches/${issuable[0]}/codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ serials: 20 }),
  });
  if (issued.status !== 201) throw new Error(`issuance answered ${issued.status}`);
  const result = (await issued.json()) as { batchCode: { url: string }; units: { urls: string[] } };
  return {
    authorization,
    fixture: {
      productId: product.id,
      zoneIds: [z1.id, z2.id],
      producedOn: addDays(todayInVietnam(new Date()), -2),
    },
    issuable,
    codeUrls: [result.batchCode.url, ...result.units.urls],
  };
}

export interface Mix {
  batches: ReturnType<typeof batchesWorkload>;
  reports: Workload;
  issuance: Workload;
  verify: Workload;
  /** The i-th request of the rotation. */
  request(i: number): { url: string; init: RequestInit; sent: unknown };
  /** Every workload's checks, after the failed batches were re-sent with their keys. */
  verifyAll(db: Kysely<Database>, outcomes: Outcome[]): Promise<string[]>;
}

/**
 * The loopback load of the fault tests, in rotation: batch creation, a report, two issuances, an
 * authenticated read, two verifications and the health check per eight requests.
 */
export function mix(origin: string, p: Prepared): Mix {
  const batches = batchesWorkload(origin, p.authorization, p.fixture);
  const reports = reportsWorkload(origin);
  const issuance = issuanceWorkload(origin, p.authorization, p.issuable);
  const verify = verifyWorkload(origin, p.codeUrls);
  return {
    batches,
    reports,
    issuance,
    verify,
    request(i) {
      switch (i % 8) {
        case 0:
          return batches.request(i);
        case 1:
          return reports.request(i);
        case 2:
        case 5:
          return issuance.request(i);
        case 3:
          return {
            url: `${origin}/api/v1/me`,
            init: { headers: { authorization: p.authorization } },
            sent: { read: 'me' },
          };
        case 6:
          return { url: `${origin}/api/health`, init: {}, sent: { read: 'health' } };
        default:
          return verify.request(i);
      }
    },
    async verifyAll(db, outcomes) {
      return [
        ...(await batches.verify(db, outcomes)),
        ...(await issuance.verify(db, outcomes)),
        ...(await verify.verify(db, outcomes)),
        ...(await reports.verify(db, outcomes)),
      ];
    },
  };
}
