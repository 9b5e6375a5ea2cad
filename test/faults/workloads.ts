import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '@ocop/db';
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

/** Total audit entries, for the report. */
export async function auditEntries(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(db);
  return rows[0]?.n ?? 0;
}
