import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from '@ocop/db';
import type { AuthUser } from '../plugins/auth.ts';

/**
 * Who sees which part of the registry (issue 3, "Authorization per object"):
 * - admin and inspector: everything (the inspector reads everything, writes only inspections);
 * - officer: what lies inside their administrative unit (see {@link unitsWithin});
 * - producer: only their own producer's records.
 * Objects outside a caller's scope answer 404, never 403, so their existence is not revealed.
 */
export type Scope =
  | { kind: 'all' }
  | { kind: 'area'; unitId: string }
  | { kind: 'producer'; producerId: string }
  | { kind: 'none' };

export function scopeOf(user: AuthUser | null): Scope {
  if (!user) return { kind: 'none' };
  switch (user.role) {
    case 'admin':
    case 'inspector':
      return { kind: 'all' };
    case 'officer':
      return user.adminUnitId ? { kind: 'area', unitId: user.adminUnitId } : { kind: 'none' };
    case 'producer':
      return user.producerId ? { kind: 'producer', producerId: user.producerId } : { kind: 'none' };
  }
}

/**
 * The ids of every administrative unit inside `rootId`, as a subquery: the unit itself, the units
 * below it by parent links, and the units it replaced by successor links (old → new), followed
 * transitively in both directions from there. So an officer of the merged Quảng Ngãi (from
 * 01/07/2025) also covers the old Quảng Ngãi and Kon Tum, their districts and communes; an officer
 * of xã Bình Sơn covers the old communes merged into it and what lay below them. Old certificates
 * keep their old units (DESIGN "Administrative units"), so this is how they stay in scope.
 * Where an old unit was split between several new ones, each new one covers the whole old unit.
 * @see NQ 202/2025/QH15, NQ 1677/NQ-UBTVQH15 (2025 reform); Law 72/2025/QH15
 */
export function unitsWithin(rootId: string): RawBuilder<{ id: string }> {
  return sql<{ id: string }>`(
    with recursive edges(up_id, down_id) as (
      select parent_id, id from admin_units where parent_id is not null
      union all
      select successor_id, predecessor_id from admin_unit_successors
    ),
    area(id) as (
      select ${rootId}::text
      union
      select e.down_id from edges e join area a on e.up_id = a.id
    )
    select id from area
  )`;
}

/** `unit in unitsWithin(rootId)` as a boolean expression; false for a null unit. */
export function unitInArea(unit: Expression<string | null>, rootId: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`coalesce(${unit} in ${unitsWithin(rootId)}, false)`;
}

/** True when `unitId` lies inside `rootId` (both admin-unit ids). */
export async function isUnitWithin(db: Kysely<Database>, unitId: string, rootId: string): Promise<boolean> {
  const { rows } = await sql<{
    inside: boolean;
  }>`select ${unitInArea(sql`${unitId}::text`, rootId)} as inside`.execute(db);
  return rows[0]?.inside === true;
}

/** True when the admin unit exists. */
export async function unitExists(db: Kysely<Database>, unitId: string): Promise<boolean> {
  const row = await db.selectFrom('admin_units').select('id').where('id', '=', unitId).executeTakeFirst();
  return row !== undefined;
}
