import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '@ocop/db';

export type AlertKind = 'issuance_quota_exceeded' | 'enumeration_suspected';

export interface AlertInput {
  kind: AlertKind;
  /** Who: a producer id, or a keyed hash of a client address (never the address itself). */
  subject: string;
  /** Start of the window the alert counts in (a Vietnam day, a counting window). */
  windowStart: Date;
  /** How many events this call adds (refusals, misses). */
  count?: number;
  details?: Record<string, unknown>;
}

/**
 * Records an alert once per kind, subject and window: the first call inserts the row (and, by its
 * trigger, an audit entry), later ones in the same window add to its count and keep the latest
 * details.
 */
export async function recordAlert(db: Kysely<Database>, a: AlertInput): Promise<void> {
  const details = JSON.stringify(a.details ?? {});
  const count = a.count ?? 1;
  await db
    .insertInto('security_alerts')
    .values({ kind: a.kind, subject: a.subject, window_start: a.windowStart, count, details })
    .onConflict((oc) =>
      oc.constraint('security_alerts_once').doUpdateSet({
        count: sql<number>`security_alerts.count + ${count}`,
        details,
        last_at: sql<Date>`now()`,
      }),
    )
    .execute();
}

export interface AlertRow {
  id: string;
  kind: AlertKind;
  subject: string;
  windowStart: string;
  count: number;
  details: Record<string, unknown>;
  firstAt: string;
  lastAt: string;
}

/** Alerts, latest first, optionally of one kind. */
export async function listAlerts(
  db: Kysely<Database>,
  q: { kind?: AlertKind | undefined; limit: number; offset: number },
): Promise<{ items: AlertRow[]; total: number }> {
  let base = db.selectFrom('security_alerts');
  if (q.kind !== undefined) base = base.where('kind', '=', q.kind);
  const [rows, total] = await Promise.all([
    base.selectAll().orderBy('last_at', 'desc').orderBy('id').limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(total.n),
    items: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      subject: r.subject,
      windowStart: new Date(r.window_start).toISOString(),
      count: Number(r.count),
      details: r.details,
      firstAt: new Date(r.first_at).toISOString(),
      lastAt: new Date(r.last_at).toISOString(),
    })),
  };
}
