import { DEFAULT_PAGE_SIZE } from '../common-schemas.ts';
import { sql, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import type { AdminLevel, Database } from '@ocop/db';
import { certificateStateOn, foldVietnamese } from '@ocop/domain';
import { iso, likeEscape } from '../route-helpers.ts';
import { unitInArea, type Scope } from '../scope.ts';
import { certificatesOfProduct, currentOf } from '../certificates/queries.ts';
import { toZone } from '../zones/queries.ts';
import type { ProductCreate, ProductDetail, ProductQuery, ProductSummary, ProductUpdate } from './schemas.ts';

/**
 * The catalogue: products with their producer, the unit they are made in (the product's origin
 * unit, else its producer's), their group, and their current certificate — the newest one not
 * superseded — joined laterally.
 */
function catalogue(db: Kysely<Database>) {
  return db
    .selectFrom('products as p')
    .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
    .leftJoin('admin_units as u', (join) =>
      join.on('u.id', '=', sql<string>`coalesce(p.origin_unit_id, pr.admin_unit_id)`),
    )
    .leftJoin('product_categories as g', (join) =>
      join
        .onRef('g.criteria_set_id', '=', 'p.criteria_set_id')
        .on('g.code', '=', sql<string>`split_part(p.category_code, '.', 1)`),
    )
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('certificates as c')
          .select([
            'c.id',
            'c.stars',
            'c.status',
            'c.decision_no',
            'c.decision_date',
            'c.valid_from',
            'c.valid_to',
            'c.revoked_at',
          ])
          .whereRef('c.product_id', '=', 'p.id')
          .where('c.status', '<>', 'superseded')
          .orderBy('c.decision_date', 'desc')
          .orderBy('c.created_at', 'desc')
          .limit(1)
          .as('cc'),
      (join) => join.onTrue(),
    );
}

/**
 * The state of the current certificate in SQL, for filtering only; the state shown is computed by
 * the domain's certificateStateOn (products.test.ts checks both agree).
 */
function stateSql(today: string) {
  return sql<string>`case
    when cc.id is null then 'none'
    when cc.status = 'revoked' then 'revoked'
    when cc.valid_from > ${today}::date then 'not_yet_valid'
    when cc.valid_to < ${today}::date then 'expired'
    else 'valid' end`;
}

/**
 * The products a caller may change, as a condition on the aliases `p` (products) and `pr`
 * (producers): an officer's area (by the product's origin unit, else its producer's), a
 * producer's own, everything for admin and inspector.
 */
export function productScopeSql(scope: Scope): RawBuilder<SqlBool> {
  switch (scope.kind) {
    case 'all':
      return sql<SqlBool>`true`;
    case 'area':
      return unitInArea(sql`coalesce(p.origin_unit_id, pr.admin_unit_id)`, scope.unitId);
    case 'producer':
      return sql<SqlBool>`p.producer_id = ${scope.producerId}`;
    case 'none':
      return sql<SqlBool>`false`;
  }
}

export interface ProductAccess {
  id: string;
  producerId: string;
  unitId: string | null;
  nameVi: string;
}

/** The product if the caller's scope covers it, else null (answer 404). */
export async function productInScope(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
): Promise<ProductAccess | null> {
  const q = db
    .selectFrom('products as p')
    .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
    .select([
      'p.id',
      'p.producer_id',
      'p.name_vi',
      sql<string | null>`coalesce(p.origin_unit_id, pr.admin_unit_id)`.as('unit_id'),
    ])
    .where('p.id', '=', id);
  const row = await q.where(productScopeSql(scope)).executeTakeFirst();
  return row ? { id: row.id, producerId: row.producer_id, unitId: row.unit_id, nameVi: row.name_vi } : null;
}

export async function listProducts(
  db: Kysely<Database>,
  q: ProductQuery,
  today: string,
): Promise<{ items: ProductSummary[]; total: number }> {
  let query = catalogue(db);
  if (q.commune)
    query = query.where(unitInArea(sql`coalesce(p.origin_unit_id, pr.admin_unit_id)`, q.commune));
  if (q.group) {
    const group = q.group;
    query = query.where((eb) =>
      eb.or([eb('p.category_code', '=', group), eb('p.category_code', 'like', `${likeEscape(group)}.%`)]),
    );
  }
  if (q.stars !== undefined) query = query.where('cc.stars', '=', q.stars);
  if (q.certificateStatus) query = query.where(stateSql(today), '=', q.certificateStatus);
  if (q.producer) query = query.where('p.producer_id', '=', q.producer);
  for (const word of q.q ? foldVietnamese(q.q).split(' ').filter(Boolean) : []) {
    query = query.where('p.search_text', 'like', `%${likeEscape(word)}%`);
  }
  const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await query
    .select([
      'p.id',
      'p.name_vi',
      'p.name_en',
      'p.gtin',
      'p.image_path',
      'p.category_code',
      'g.code as group_code',
      'g.name_vi as group_name_vi',
      'g.name_en as group_name_en',
      'pr.id as producer_id',
      'pr.name as producer_name',
      'pr.kind as producer_kind',
      'u.id as unit_id',
      'u.name as unit_name',
      'u.level as unit_level',
      'cc.id as cert_id',
      'cc.stars as cert_stars',
      'cc.status as cert_status',
      'cc.decision_no as cert_decision_no',
      'cc.decision_date as cert_decision_date',
      'cc.valid_from as cert_valid_from',
      'cc.valid_to as cert_valid_to',
      'cc.revoked_at as cert_revoked_at',
    ])
    .orderBy('p.name_vi')
    .orderBy('p.id')
    .limit(q.limit ?? DEFAULT_PAGE_SIZE)
    .offset(q.offset ?? 0)
    .execute();
  const items = rows.map((r): ProductSummary => {
    const cert =
      r.cert_id !== null &&
      r.cert_stars !== null &&
      r.cert_status !== null &&
      r.cert_decision_no !== null &&
      r.cert_decision_date !== null &&
      r.cert_valid_from !== null &&
      r.cert_valid_to !== null
        ? {
            id: r.cert_id,
            stars: r.cert_stars,
            decisionNo: r.cert_decision_no,
            decisionDate: r.cert_decision_date,
            validTo: r.cert_valid_to,
            state: certificateStateOn(
              {
                status: r.cert_status,
                validFrom: r.cert_valid_from,
                validTo: r.cert_valid_to,
                revokedAt: r.cert_revoked_at === null ? null : iso(r.cert_revoked_at),
              },
              today,
            ),
          }
        : null;
    return {
      id: r.id,
      nameVi: r.name_vi,
      nameEn: r.name_en,
      gtin: r.gtin,
      imagePath: r.image_path,
      categoryCode: r.category_code,
      group:
        r.group_code !== null && r.group_name_vi !== null && r.group_name_en !== null
          ? { code: r.group_code, level: 'group', nameVi: r.group_name_vi, nameEn: r.group_name_en }
          : null,
      producer: { id: r.producer_id, name: r.producer_name, kind: r.producer_kind },
      commune:
        r.unit_id !== null && r.unit_name !== null && r.unit_level !== null
          ? { id: r.unit_id, name: r.unit_name, level: r.unit_level }
          : null,
      stars: cert?.stars ?? null,
      certificateStatus: cert === null ? 'none' : cert.state === 'superseded' ? 'valid' : cert.state,
      certificate: cert,
    };
  });
  return { items, total: Number(total.n) };
}

/** The unit and its parents up to the province (the parent links as stored). */
async function unitPath(
  db: Kysely<Database>,
  unitId: string,
): Promise<{ id: string; name: string; level: AdminLevel }[]> {
  const { rows } = await sql<{ id: string; name: string; level: AdminLevel; depth: number }>`
    with recursive up(id, name, level, parent_id, depth) as (
      select id, name, level, parent_id, 0 from admin_units where id = ${unitId}
      union all
      select a.id, a.name, a.level, a.parent_id, up.depth + 1
      from admin_units a join up on a.id = up.parent_id where up.depth < 10
    )
    select id, name, level, depth from up order by depth`.execute(db);
  return rows.map((r) => ({ id: r.id, name: r.name, level: r.level }));
}

/** Every prefix of a dotted category code: I.1.a → I, I.1, I.1.a. */
function codePrefixes(code: string): string[] {
  const parts = code.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

export async function productDetail(
  db: Kysely<Database>,
  id: string,
  today: string,
): Promise<ProductDetail | null> {
  const p = await db
    .selectFrom('products as p')
    .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
    .leftJoin('admin_units as pu', 'pu.id', 'pr.admin_unit_id')
    .select([
      'p.id',
      'p.name_vi',
      'p.name_en',
      'p.description_vi',
      'p.description_en',
      'p.gtin',
      'p.image_path',
      'p.criteria_set_id',
      'p.category_code',
      'p.origin_unit_id',
      'p.created_at',
      'p.updated_at',
      'pr.id as producer_id',
      'pr.name as producer_name',
      'pr.kind as producer_kind',
      'pr.address_line as producer_address',
      'pr.admin_unit_id as producer_unit_id',
      'pu.name as producer_unit_name',
      'pr.website as producer_website',
    ])
    .where('p.id', '=', id)
    .executeTakeFirst();
  if (!p) return null;

  const categories = await db
    .selectFrom('product_categories')
    .select(['code', 'level', 'name_vi', 'name_en'])
    .where('criteria_set_id', '=', p.criteria_set_id)
    .where('code', 'in', codePrefixes(p.category_code))
    .execute();
  const categoryPath = codePrefixes(p.category_code).flatMap((code) => {
    const c = categories.find((x) => x.code === code);
    return c ? [{ code: c.code, level: c.level, nameVi: c.name_vi, nameEn: c.name_en }] : [];
  });

  const unitId = p.origin_unit_id ?? p.producer_unit_id;
  const path = unitId ? await unitPath(db, unitId) : [];
  const unit = path[0];

  const certificates = await certificatesOfProduct(db, id, today);
  const current = currentOf(certificates);

  const zoneRows = await db
    .selectFrom('raw_material_zones as z')
    .leftJoin('admin_units as u', 'u.id', 'z.admin_unit_id')
    .select([
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
    ])
    .where('z.id', 'in', (eb) =>
      eb
        .selectFrom('batch_zones as bz')
        .innerJoin('batches as b', 'b.id', 'bz.batch_id')
        .select('bz.zone_id')
        .where('b.product_id', '=', id),
    )
    .orderBy('z.scheme')
    .orderBy('z.code')
    .execute();

  return {
    id: p.id,
    nameVi: p.name_vi,
    nameEn: p.name_en,
    descriptionVi: p.description_vi,
    descriptionEn: p.description_en,
    gtin: p.gtin,
    imagePath: p.image_path,
    criteriaSetId: p.criteria_set_id,
    categoryCode: p.category_code,
    categoryPath,
    producer: {
      id: p.producer_id,
      name: p.producer_name,
      kind: p.producer_kind,
      addressLine: p.producer_address,
      adminUnitId: p.producer_unit_id,
      adminUnitName: p.producer_unit_name,
      website: p.producer_website,
    },
    commune: unit ? { ...unit, path } : null,
    stars: current?.stars ?? null,
    certificateStatus: current === null ? 'none' : current.state === 'superseded' ? 'valid' : current.state,
    certificate: current,
    certificates,
    zones: zoneRows.map(toZone),
    createdAt: iso(p.created_at),
    updatedAt: iso(p.updated_at),
  };
}

/**
 * Recomputes the folded search text (name in both languages, producer, place) of the given
 * products, with the domain's foldVietnamese so the `q` filter matches what people type.
 */
export async function refreshSearchText(
  trx: Transaction<Database>,
  where: { productId: string } | { producerId: string },
): Promise<void> {
  let q = trx
    .selectFrom('products as p')
    .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
    .leftJoin('admin_units as u', (join) =>
      join.on('u.id', '=', sql<string>`coalesce(p.origin_unit_id, pr.admin_unit_id)`),
    )
    .select([
      'p.id',
      'p.name_vi',
      'p.name_en',
      'p.search_text',
      'pr.name as producer_name',
      'u.name as unit_name',
    ]);
  q =
    'productId' in where
      ? q.where('p.id', '=', where.productId)
      : q.where('p.producer_id', '=', where.producerId);
  for (const r of await q.execute()) {
    const text = foldVietnamese(
      [r.name_vi, r.name_en, r.producer_name, r.unit_name].filter(Boolean).join(' '),
    );
    if (text !== r.search_text) {
      await trx.updateTable('products').set({ search_text: text }).where('id', '=', r.id).execute();
    }
  }
}

export async function createProduct(
  trx: Transaction<Database>,
  input: ProductCreate & { producerId: string; criteriaSetId: string; gtin14: string | null },
): Promise<string> {
  const row = await trx
    .insertInto('products')
    .values({
      producer_id: input.producerId,
      criteria_set_id: input.criteriaSetId,
      category_code: input.categoryCode,
      origin_unit_id: input.originUnitId ?? null,
      name_vi: input.nameVi.trim(),
      name_en: input.nameEn?.trim() ?? null,
      description_vi: input.descriptionVi ?? null,
      description_en: input.descriptionEn ?? null,
      gtin: input.gtin14,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await refreshSearchText(trx, { productId: row.id });
  return row.id;
}

export async function updateProduct(
  trx: Transaction<Database>,
  id: string,
  patch: ProductUpdate & { gtin14?: string | null },
): Promise<void> {
  await trx
    .updateTable('products')
    .set({
      updated_at: new Date(),
      ...(patch.categoryCode !== undefined ? { category_code: patch.categoryCode } : {}),
      ...(patch.originUnitId !== undefined ? { origin_unit_id: patch.originUnitId } : {}),
      ...(patch.nameVi !== undefined ? { name_vi: patch.nameVi.trim() } : {}),
      ...(patch.nameEn !== undefined ? { name_en: patch.nameEn?.trim() ?? null } : {}),
      ...(patch.descriptionVi !== undefined ? { description_vi: patch.descriptionVi } : {}),
      ...(patch.descriptionEn !== undefined ? { description_en: patch.descriptionEn } : {}),
      ...(patch.gtin14 !== undefined ? { gtin: patch.gtin14 } : {}),
    })
    .where('id', '=', id)
    .execute();
  await refreshSearchText(trx, { productId: id });
}
