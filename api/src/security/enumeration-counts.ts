import { sql, type Kysely } from 'kysely';
import type { Database } from '@ocop/db';
import type { MissDelta, MissTotal } from './enumeration.ts';

/**
 * Adds one instance's enumeration misses to the shared counts (table `enumeration_counts`,
 * migration 20261129T094000Z-enumeration-counts) and answers the shared totals of those clients,
 * for the windows added to and the windows before them, in ONE statement: an upsert of all deltas
 * (unnest of three arrays) that returns the new totals, with the previous windows read beside it.
 * With `pruneBefore`, the same statement deletes the windows that started before it (the caller
 * asks once per window, so the table keeps about two windows of probers).
 */
export async function shareMisses(
  db: Kysely<Database>,
  deltas: readonly MissDelta[],
  o: { windowMs: number; pruneBefore?: Date | undefined },
): Promise<MissTotal[]> {
  if (deltas.length === 0) return [];
  const keys = deltas.map((d) => d.clientKey);
  const starts = deltas.map((d) => d.windowStart.toISOString());
  const misses = deltas.map((d) => d.misses);
  // Never a window being added to (an insert and a delete of one row in one statement).
  // A loop, not Math.min(...): after a long outage the deltas can be too many to spread as arguments.
  let oldest = Number.POSITIVE_INFINITY;
  for (const d of deltas) oldest = Math.min(oldest, d.windowStart.getTime());
  const prune =
    o.pruneBefore === undefined
      ? sql``
      : sql`, pruned as (
          delete from enumeration_counts
          where window_start < ${new Date(Math.min(o.pruneBefore.getTime(), oldest)).toISOString()}::timestamptz
          returning 1)`;
  const { rows } = await sql<{ client_key: string; window_start: Date | string; misses: number }>`
    with d as (
      select * from unnest(${keys}::text[], ${starts}::timestamptz[], ${misses}::int[])
        as d(client_key, window_start, misses)
    ),
    up as (
      insert into enumeration_counts as e (client_key, window_start, misses)
      select client_key, window_start, misses from d
      on conflict (client_key, window_start) do update set misses = e.misses + excluded.misses
      returning e.client_key, e.window_start, e.misses
    ),
    before as (
      select distinct d.client_key, d.window_start - make_interval(secs => ${o.windowMs / 1000}) as window_start
      from d
    )${prune}
    select client_key, window_start, misses from up
    union all
    select e.client_key, e.window_start, e.misses
    from enumeration_counts e join before b using (client_key, window_start)
    where not exists (select 1 from d where d.client_key = e.client_key and d.window_start = e.window_start)
  `.execute(db);
  return rows.map((r) => ({
    clientKey: r.client_key,
    windowStart: new Date(r.window_start),
    misses: Number(r.misses),
  }));
}
