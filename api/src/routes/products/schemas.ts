import { Type, type Static } from '@sinclair/typebox';
import { PRODUCER_KINDS } from '@ocop/domain';
import { PageQuery, StrictObject, Uuid } from '../common-schemas.ts';
import { DateTime, Nullable, Page, StringEnum } from '../route-helpers.ts';
import { Certificate, CertificateBrief } from '../certificates/schemas.ts';
import { Zone } from '../zones/schemas.ts';
import { AdminLevel } from '../admin-units/schemas.ts';

export const CertificateStatusFilter = Type.Union(
  [Type.Literal('valid'), Type.Literal('expired'), Type.Literal('revoked'), Type.Literal('none')],
  { description: "The state of the product's current certificate today; none = never certified" },
);

const UnitRef = Type.Object(
  { id: Type.String(), name: Type.String(), level: AdminLevel },
  { $id: 'AdminUnitRef' },
);

const CategoryRef = Type.Object(
  {
    code: Type.String({ examples: ['I'] }),
    level: Type.Union([Type.Literal('group'), Type.Literal('nhom'), Type.Literal('phan_nhom')]),
    nameVi: Type.String(),
    nameEn: Type.String(),
  },
  { $id: 'CategoryRef' },
);

/** A product as the public catalogue lists it. */
export const ProductSummary = Type.Object(
  {
    id: Uuid,
    nameVi: Type.String({ examples: ['Tỏi Lý Sơn'] }),
    nameEn: Nullable(Type.String()),
    gtin: Nullable(Type.String({ description: 'GTIN-14', examples: ['08930000000012'] })),
    imagePath: Nullable(Type.String()),
    categoryCode: Type.String({ examples: ['I.1.a'] }),
    group: Nullable(CategoryRef),
    producer: Type.Object({ id: Uuid, name: Type.String(), kind: StringEnum(PRODUCER_KINDS) }),
    commune: Nullable(UnitRef),
    stars: Nullable(Type.Integer({ description: 'Stars of the current certificate' })),
    certificateStatus: Type.Union([
      Type.Literal('valid'),
      Type.Literal('not_yet_valid'),
      Type.Literal('expired'),
      Type.Literal('revoked'),
      Type.Literal('none'),
    ]),
    certificate: Nullable(CertificateBrief),
  },
  { $id: 'ProductSummary' },
);
export type ProductSummary = Static<typeof ProductSummary>;

export const ProductPage = Page(ProductSummary, 'ProductPage');

/** A product's full public record. */
export const ProductDetail = Type.Object(
  {
    id: Uuid,
    nameVi: Type.String(),
    nameEn: Nullable(Type.String()),
    descriptionVi: Nullable(Type.String()),
    descriptionEn: Nullable(Type.String()),
    gtin: Nullable(Type.String()),
    imagePath: Nullable(Type.String()),
    criteriaSetId: Type.String(),
    categoryCode: Type.String(),
    categoryPath: Type.Array(CategoryRef, { description: 'group → nhóm → phân nhóm' }),
    producer: Type.Object({
      id: Uuid,
      name: Type.String(),
      kind: StringEnum(PRODUCER_KINDS),
      addressLine: Nullable(Type.String()),
      adminUnitId: Nullable(Type.String()),
      adminUnitName: Nullable(Type.String()),
      website: Nullable(Type.String()),
    }),
    commune: Nullable(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        level: AdminLevel,
        path: Type.Array(UnitRef, { description: 'From the unit up to its province' }),
      }),
    ),
    stars: Nullable(Type.Integer()),
    certificateStatus: ProductSummary.properties.certificateStatus,
    // The same shape as a named Certificate, inline: one schema may hold a given $id only once.
    certificate: Nullable(
      Type.Object(Certificate.properties, {
        description: 'The current certificate: the newest not superseded (null if never certified)',
      }),
    ),
    certificates: Type.Array(Certificate, { description: 'Every certificate, newest decision first' }),
    zones: Type.Array(Zone, { description: 'Raw-material zones the batches of this product drew from' }),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'ProductDetail' },
);
export type ProductDetail = Static<typeof ProductDetail>;

export const ProductQuery = Type.Object(
  {
    commune: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'Admin unit id: products made inside it, including the old units that became it',
      }),
    ),
    group: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9]+(\\.[A-Za-z0-9]+)*$',
        maxLength: 20,
        description: 'Category code or prefix: I (food), I.1, I.1.a…',
      }),
    ),
    stars: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    certificateStatus: Type.Optional(CertificateStatusFilter),
    producer: Type.Optional(Uuid),
    q: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'Name, producer or place; diacritics optional ("toi ly son")',
      }),
    ),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ProductQuery = Static<typeof ProductQuery>;

const Gtin = Type.String({
  pattern: '^[0-9]{8,14}$',
  description: 'GTIN-8, -12, -13 or -14 with a correct check digit; stored as GTIN-14',
});

export const ProductCreate = StrictObject({
  producerId: Type.Optional(
    Type.String({ format: 'uuid', description: 'Required for office users; a producer creates its own' }),
  ),
  categoryCode: Type.String({ minLength: 1, maxLength: 20, examples: ['I.1.a'] }),
  criteriaSetId: Type.Optional(
    Type.String({ maxLength: 50, description: 'Default: the criteria set in force today' }),
  ),
  originUnitId: Type.Optional(Nullable(Type.String({ maxLength: 100, description: 'Where it is made' }))),
  nameVi: Type.String({ minLength: 1, maxLength: 300 }),
  nameEn: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 300 }))),
  descriptionVi: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
  descriptionEn: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
  gtin: Type.Optional(Nullable(Gtin)),
});
export type ProductCreate = Static<typeof ProductCreate>;

export const ProductUpdate = StrictObject(
  {
    categoryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
    originUnitId: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    nameVi: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    nameEn: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 300 }))),
    descriptionVi: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
    descriptionEn: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
    gtin: Type.Optional(Nullable(Gtin)),
  },
  { minProperties: 1 },
);
export type ProductUpdate = Static<typeof ProductUpdate>;
