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

/** Total audit entries, for the report. */
export async function auditEntries(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(db);
  return rows[0]?.n ?? 0;
}
