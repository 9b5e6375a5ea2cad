import { DEFAULT_PAGE_SIZE } from '../common-schemas.ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, ProducerUpdate as DbProducerUpdate } from '@ocop/db';
import { foldVietnamese } from '@ocop/domain';
import { foldSql, iso, likeEscape } from '../route-helpers.ts';
import { unitInArea, type Scope } from '../scope.ts';
import { refreshSearchText } from '../products/queries.ts';
import type { Producer, ProducerCreate, ProducerQuery, ProducerUpdate } from './schemas.ts';

function base(db: Kysely<Database>, scope: Scope) {
  let q = db.selectFrom('producers as p').leftJoin('admin_units as u', 'u.id', 'p.admin_unit_id');
  if (scope.kind === 'area') q = q.where(unitInArea(sql.ref('p.admin_unit_id'), scope.unitId));
  else if (scope.kind === 'producer') q = q.where('p.id', '=', scope.producerId);
  else if (scope.kind === 'none') q = q.where(sql<boolean>`false`);
  return q;
}

const COLUMNS = [
  'p.id',
  'p.name',
  'p.kind',
  'p.tax_code',
  'p.address_line',
  'p.admin_unit_id',
  'u.name as admin_unit_name',
  'p.representative',
  'p.phone',
  'p.email',
  'p.website',
  'p.created_at',
  'p.updated_at',
] as const;

type Row = {
  id: string;
  name: string;
  kind: Producer['kind'];
  tax_code: string | null;
  address_line: string | null;
  admin_unit_id: string | null;
  admin_unit_name: string | null;
  representative: string | null;
  phone: string | null;
  email: string | null;
  website: string | null;
  created_at: Date;
  updated_at: Date;
};

function toProducer(r: Row): Producer {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    taxCode: r.tax_code,
    addressLine: r.address_line,
    adminUnitId: r.admin_unit_id,
    adminUnitName: r.admin_unit_name,
    representative: r.representative,
    phone: r.phone,
    email: r.email,
    website: r.website,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export async function listProducers(
  db: Kysely<Database>,
  scope: Scope,
  q: ProducerQuery,
): Promise<{ items: Producer[]; total: number }> {
  let query = base(db, scope);
  if (q.kind) query = query.where('p.kind', '=', q.kind);
  if (q.adminUnitId) query = query.where(unitInArea(sql.ref('p.admin_unit_id'), q.adminUnitId));
  for (const word of q.q ? foldVietnamese(q.q).split(' ').filter(Boolean) : []) {
    const pattern = `%${likeEscape(word)}%`;
    query = query.where((eb) =>
      eb.or([eb(foldSql(sql.ref('p.name')), 'like', pattern), eb('p.tax_code', 'like', pattern)]),
    );
  }
  const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await query
    .select(COLUMNS)
    .orderBy('p.name')
    .orderBy('p.id')
    .limit(q.limit ?? DEFAULT_PAGE_SIZE)
    .offset(q.offset ?? 0)
    .execute();
  return { items: rows.map(toProducer), total: Number(total.n) };
}

export async function getProducer(db: Kysely<Database>, scope: Scope, id: string): Promise<Producer | null> {
  const row = await base(db, scope).select(COLUMNS).where('p.id', '=', id).executeTakeFirst();
  return row ? toProducer(row) : null;
}

export async function createProducer(trx: Transaction<Database>, input: ProducerCreate): Promise<string> {
  const row = await trx
    .insertInto('producers')
    .values({
      name: input.name.trim(),
      kind: input.kind,
      tax_code: input.taxCode ?? null,
      address_line: input.addressLine ?? null,
      admin_unit_id: input.adminUnitId ?? null,
      representative: input.representative ?? null,
      phone: input.phone ?? null,
      email: input.email ?? null,
      website: input.website ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateProducer(
  trx: Transaction<Database>,
  id: string,
  patch: ProducerUpdate,
): Promise<void> {
  const set: DbProducerUpdate = { updated_at: new Date() };
  if (patch.name !== undefined) set.name = patch.name.trim();
  if (patch.kind !== undefined) set.kind = patch.kind;
  if (patch.taxCode !== undefined) set.tax_code = patch.taxCode;
  if (patch.adminUnitId !== undefined) set.admin_unit_id = patch.adminUnitId;
  if (patch.addressLine !== undefined) set.address_line = patch.addressLine;
  if (patch.representative !== undefined) set.representative = patch.representative;
  if (patch.phone !== undefined) set.phone = patch.phone;
  if (patch.email !== undefined) set.email = patch.email;
  if (patch.website !== undefined) set.website = patch.website;
  await trx.updateTable('producers').set(set).where('id', '=', id).execute();
  // The producer's name and unit are part of every product's search text.
  if (patch.name !== undefined || patch.adminUnitId !== undefined)
    await refreshSearchText(trx, { producerId: id });
}
