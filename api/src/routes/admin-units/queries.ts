import type { Kysely } from 'kysely';
import type { Database } from '@ocop/db';
import { foldVietnamese } from '@ocop/domain';
import type { AdminUnit, AdminUnitQuery, CategoryQuery } from './schemas.ts';

/** Administrative units for forms and filters, with their successor links. */
export async function listAdminUnits(db: Kysely<Database>, q: AdminUnitQuery): Promise<AdminUnit[]> {
  let query = db
    .selectFrom('admin_units as u')
    .select(['u.id', 'u.code', 'u.name', 'u.level', 'u.parent_id', 'u.valid_from', 'u.valid_to'])
    .select((eb) =>
      eb
        .fn<string[]>('coalesce', [
          eb
            .selectFrom('admin_unit_successors as s')
            .select((e) => e.fn.agg<string[]>('array_agg', ['s.successor_id']).as('ids'))
            .whereRef('s.predecessor_id', '=', 'u.id'),
          eb.val('{}'),
        ])
        .as('successor_ids'),
    )
    .orderBy('u.level')
    .orderBy('u.name')
    .orderBy('u.id');
  if (q.on) {
    const on = q.on;
    query = query
      .where('u.valid_from', '<=', on)
      .where((eb) => eb.or([eb('u.valid_to', 'is', null), eb('u.valid_to', '>=', on)]));
  }
  if (q.level) query = query.where('u.level', '=', q.level);
  if (q.parentId) query = query.where('u.parent_id', '=', q.parentId);
  const rows = await query.execute();
  const words = q.q ? foldVietnamese(q.q).split(' ').filter(Boolean) : [];
  return rows
    .filter((r) => words.every((w) => foldVietnamese(r.name).includes(w)))
    .map((r) => ({
      id: r.id,
      code: r.code,
      name: r.name,
      level: r.level,
      parentId: r.parent_id,
      validFrom: r.valid_from,
      validTo: r.valid_to,
      successorIds: [...r.successor_ids].sort(),
    }));
}

export async function listCategories(db: Kysely<Database>, criteriaSetId: string, q: CategoryQuery) {
  let query = db
    .selectFrom('product_categories')
    .select(['criteria_set_id', 'code', 'level', 'parent_code', 'name_vi', 'name_en'])
    .where('criteria_set_id', '=', criteriaSetId)
    .orderBy('code');
  if (q.parentCode) query = query.where('parent_code', '=', q.parentCode);
  const rows = await query.execute();
  return rows.map((r) => ({
    criteriaSetId: r.criteria_set_id,
    code: r.code,
    level: r.level,
    parentCode: r.parent_code,
    nameVi: r.name_vi,
    nameEn: r.name_en,
  }));
}
