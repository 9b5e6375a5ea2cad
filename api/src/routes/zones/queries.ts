import { DEFAULT_PAGE_SIZE } from '../common-schemas.ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '@ocop/db';
import { foldVietnamese } from '@ocop/domain';
import { foldSql, iso, likeEscape, numOrNull } from '../route-helpers.ts';
import { unitInArea, type Scope } from '../scope.ts';
import type { Zone, ZoneCreate, ZoneQuery, ZoneUpdate } from './schemas.ts';

/**
 * Zones a caller may see: all (admin, inspector); those inside the officer's area (by the zone's
 * unit, else its producer's); a producer's own zones and the shared ones (no producer), which its
 * batches may draw from.
 */
function base(db: Kysely<Database>, scope: Scope) {
  let q = db
    .selectFrom('raw_material_zones as z')
    .leftJoin('producers as zp', 'zp.id', 'z.producer_id')
    .leftJoin('admin_units as u', 'u.id', 'z.admin_unit_id');
  if (scope.kind === 'area')
    q = q.where(unitInArea(sql`coalesce(z.admin_unit_id, zp.admin_unit_id)`, scope.unitId));
  else if (scope.kind === 'producer')
    q = q.where((eb) => eb.or([eb('z.producer_id', '=', scope.producerId), eb('z.producer_id', 'is', null)]));
  else if (scope.kind === 'none') q = q.where(sql<boolean>`false`);
  return q;
}

const COLUMNS = [
  'z.id',
  'z.scheme',
  'z.code',
  'z.issuer',
  'z.producer_id',
  'z.admin_unit_id',
  'u.name as admin_unit_name',
  'z.name',
  'z.area_ha',
  'z.crop_or_species',
  'z.standards',
  'z.valid_from',
  'z.valid_to',
  'z.status',
  'z.created_at',
  'z.updated_at',
] as const;

export interface ZoneRow {
  id: string;
  scheme: Zone['scheme'];
  code: string;
  issuer: string;
  producer_id: string | null;
  admin_unit_id: string | null;
  admin_unit_name: string | null;
  name: string | null;
  area_ha: string | null;
  crop_or_species: string;
  standards: string[];
  valid_from: string;
  valid_to: string | null;
  status: Zone['status'];
  created_at: Date;
  updated_at: Date;
}

export function toZone(r: ZoneRow): Zone {
  return {
    id: r.id,
    scheme: r.scheme,
    code: r.code,
    issuer: r.issuer,
    producerId: r.producer_id,
    adminUnitId: r.admin_unit_id,
    adminUnitName: r.admin_unit_name,
    name: r.name,
    areaHa: numOrNull(r.area_ha),
    cropOrSpecies: r.crop_or_species,
    standards: r.standards,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    status: r.status,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export async function listZones(db: Kysely<Database>, scope: Scope, q: ZoneQuery) {
  let query = base(db, scope);
  if (q.scheme) query = query.where('z.scheme', '=', q.scheme);
  if (q.producerId) query = query.where('z.producer_id', '=', q.producerId);
  if (q.status) query = query.where('z.status', '=', q.status);
  for (const word of q.q ? foldVietnamese(q.q).split(' ').filter(Boolean) : []) {
    const pattern = `%${likeEscape(word)}%`;
    query = query.where((eb) =>
      eb.or([
        eb(sql`lower(z.code)`, 'like', pattern),
        eb(foldSql(sql.ref('z.name')), 'like', pattern),
        eb(foldSql(sql.ref('z.crop_or_species')), 'like', pattern),
      ]),
    );
  }
  const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await query
    .select(COLUMNS)
    .orderBy('z.scheme')
    .orderBy('z.code')
    .limit(q.limit ?? DEFAULT_PAGE_SIZE)
    .offset(q.offset ?? 0)
    .execute();
  return { items: rows.map(toZone), total: Number(total.n) };
}

export async function getZone(db: Kysely<Database>, scope: Scope, id: string): Promise<Zone | null> {
  const row = await base(db, scope).select(COLUMNS).where('z.id', '=', id).executeTakeFirst();
  return row ? toZone(row) : null;
}

/** Zones by id inside the caller's scope (for the zones a batch draws from). */
export async function zonesByIds(db: Kysely<Database>, scope: Scope, ids: string[]): Promise<Zone[]> {
  if (ids.length === 0) return [];
  const rows = await base(db, scope).select(COLUMNS).where('z.id', 'in', ids).execute();
  return rows.map(toZone);
}

export async function createZone(
  trx: Transaction<Database>,
  input: ZoneCreate & { producerId: string | null },
): Promise<string> {
  const row = await trx
    .insertInto('raw_material_zones')
    .values({
      scheme: input.scheme,
      code: input.code,
      issuer: input.issuer.trim(),
      producer_id: input.producerId,
      admin_unit_id: input.adminUnitId ?? null,
      name: input.name ?? null,
      area_ha: input.areaHa ?? null,
      crop_or_species: input.cropOrSpecies.trim(),
      standards: input.standards ?? [],
      valid_from: input.validFrom,
      valid_to: input.validTo ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateZone(trx: Transaction<Database>, id: string, patch: ZoneUpdate): Promise<void> {
  await trx
    .updateTable('raw_material_zones')
    .set({
      updated_at: new Date(),
      ...(patch.issuer !== undefined ? { issuer: patch.issuer.trim() } : {}),
      ...(patch.producerId !== undefined ? { producer_id: patch.producerId } : {}),
      ...(patch.adminUnitId !== undefined ? { admin_unit_id: patch.adminUnitId } : {}),
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.areaHa !== undefined ? { area_ha: patch.areaHa } : {}),
      ...(patch.cropOrSpecies !== undefined ? { crop_or_species: patch.cropOrSpecies.trim() } : {}),
      ...(patch.standards !== undefined ? { standards: patch.standards } : {}),
      ...(patch.validTo !== undefined ? { valid_to: patch.validTo } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
    })
    .where('id', '=', id)
    .execute();
}
