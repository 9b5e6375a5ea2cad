import { Type, type Static } from '@sinclair/typebox';
import { IsoDate } from '../common-schemas.ts';
import { Nullable } from '../route-helpers.ts';

export const AdminLevel = Type.Union(
  [
    Type.Literal('province'),
    Type.Literal('district'),
    Type.Literal('commune'),
    Type.Literal('ward'),
    Type.Literal('special_zone'),
  ],
  { description: 'province, district (until 30/06/2025), commune, ward or special zone (đặc khu)' },
);

/** An administrative unit with its dates and the units that took it over (2025 reform). */
export const AdminUnit = Type.Object(
  {
    id: Type.String({ examples: ['qng-2025-ly-son'] }),
    code: Nullable(Type.String()),
    name: Type.String({ examples: ['Đặc khu Lý Sơn'] }),
    level: AdminLevel,
    parentId: Nullable(Type.String()),
    validFrom: IsoDate,
    validTo: Nullable(IsoDate),
    successorIds: Type.Array(Type.String()),
  },
  { $id: 'AdminUnit' },
);
export type AdminUnit = Static<typeof AdminUnit>;

export const AdminUnitQuery = Type.Object(
  {
    on: Type.Optional(
      Type.String({
        format: 'date',
        description: 'Only units that existed on this day (e.g. today for forms)',
      }),
    ),
    level: Type.Optional(AdminLevel),
    parentId: Type.Optional(Type.String({ maxLength: 100 })),
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Name, diacritics optional' })),
  },
  { additionalProperties: false },
);
export type AdminUnitQuery = Static<typeof AdminUnitQuery>;

export const AdminUnitList = Type.Object(
  { items: Type.Array(AdminUnit), total: Type.Integer() },
  { $id: 'AdminUnitList' },
);

export const Category = Type.Object(
  {
    criteriaSetId: Type.String({ examples: ['148/QĐ-TTg'] }),
    code: Type.String({ examples: ['I.2.a'] }),
    level: Type.Union([Type.Literal('group'), Type.Literal('nhom'), Type.Literal('phan_nhom')]),
    parentCode: Nullable(Type.String()),
    nameVi: Type.String(),
    nameEn: Type.String(),
  },
  { $id: 'Category' },
);

export const CategoryQuery = Type.Object(
  {
    criteriaSetId: Type.Optional(
      Type.String({ maxLength: 50, description: 'Default: the set in force today' }),
    ),
    parentCode: Type.Optional(Type.String({ maxLength: 20, description: 'Children of this code only' })),
  },
  { additionalProperties: false },
);
export type CategoryQuery = Static<typeof CategoryQuery>;

export const CategoryList = Type.Object({ items: Type.Array(Category) }, { $id: 'CategoryList' });
