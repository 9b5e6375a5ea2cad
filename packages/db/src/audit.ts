import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

export type AuditChainResult =
  { ok: true; entries: number } | { ok: false; firstBrokenSeq: number; reason: string };

const REASONS: Record<string, string> = {
  seq: 'seq: the sequence skips or repeats a number',
  prev_hash: "prev_hash: the entry does not point at the previous entry's hash",
  hash: "hash: the stored hash does not match the entry's content",
};

/** The hash of the entry before the first one (see the audit-log migration). */
const GENESIS = '0'.repeat(64);

/**
 * Recomputes the hash chain of `audit_log` inside the database, with the same `audit_material`
 * function the chain trigger uses, and reports the first entry that does not hold:
 * - `hash`: the stored hash is not sha256 of the entry's own material (the entry was altered);
 * - `prev_hash`: the entry does not point at the previous entry's hash (an entry was removed,
 *   inserted or re-chained);
 * - `seq`: the sequence skips or repeats a number (an entry was removed).
 * The log is append-only at the database level; this check is what shows it stayed so, e.g. after
 * a restore from backup or a superuser's manual change.
 */
export async function verifyAuditChain(db: Kysely<Database>): Promise<AuditChainResult> {
  const { rows } = await sql<{ seq: string | number; reason: string; entries: string | number }>`
    with chain as (
      select a.seq, a.prev_hash, a.hash,
        lag(a.hash) over (order by a.seq) as previous_hash,
        lag(a.seq) over (order by a.seq) as previous_seq,
        encode(sha256(convert_to(audit_material(a.prev_hash, a.seq, a.occurred_at, a.actor_id, a.action,
          a.entity, a.entity_id, a.data), 'UTF8')), 'hex') as recomputed
      from audit_log a
    ),
    broken as (
      select seq,
        case
          when seq <> coalesce(previous_seq, 0) + 1 then 'seq'
          when prev_hash <> coalesce(previous_hash, ${GENESIS}) then 'prev_hash'
          when hash <> recomputed then 'hash'
        end as reason
      from chain
    )
    select b.seq, b.reason, (select count(*) from audit_log) as entries
    from broken b where b.reason is not null
    union all
    select null, null, (select count(*) from audit_log)
    order by 1 nulls last
    limit 1`.execute(db);
  const first = rows[0];
  if (!first || first.reason === null) return { ok: true, entries: Number(first?.entries ?? 0) };
  return { ok: false, firstBrokenSeq: Number(first.seq), reason: REASONS[first.reason] ?? first.reason };
}
