import { DEFAULT_PAGE_SIZE } from '../common-schemas.ts';
import type { Kysely } from 'kysely';
import type { Database } from '@ocop/db';
import { iso } from '../route-helpers.ts';
import type { AuditEntry, AuditQuery } from './schemas.ts';

/** The audit log, newest first. */
export async function listAudit(
  db: Kysely<Database>,
  q: AuditQuery,
): Promise<{ items: AuditEntry[]; total: number }> {
  let query = db.selectFrom('audit_log as a').leftJoin('users as u', 'u.id', 'a.actor_id');
  if (q.entity) query = query.where('a.entity', '=', q.entity);
  if (q.entityId) query = query.where('a.entity_id', '=', q.entityId);
  if (q.actorId) query = query.where('a.actor_id', '=', q.actorId);
  const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await query
    .select([
      'a.seq',
      'a.occurred_at',
      'a.actor_id',
      'u.email as actor_email',
      'a.action',
      'a.entity',
      'a.entity_id',
      'a.data',
      'a.prev_hash',
      'a.hash',
    ])
    .orderBy('a.seq', 'desc')
    .limit(q.limit ?? DEFAULT_PAGE_SIZE)
    .offset(q.offset ?? 0)
    .execute();
  return {
    items: rows.map((r) => ({
      seq: Number(r.seq),
      occurredAt: iso(r.occurred_at),
      actorId: r.actor_id,
      actorEmail: r.actor_email,
      action: r.action,
      entity: r.entity,
      entityId: r.entity_id,
      data: r.data,
      prevHash: r.prev_hash,
      hash: r.hash,
    })),
    total: Number(total.n),
  };
}
