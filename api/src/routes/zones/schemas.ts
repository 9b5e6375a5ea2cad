import { Type, type Static } from '@sinclair/typebox';
import { ZONE_SCHEMES } from '@ocop/domain';
import { IsoDate, PageQuery, StrictObject, Uuid } from '../common-schemas.ts';
import { DateTime, Nullable, Page, StringEnum } from '../route-helpers.ts';

export const ZoneScheme = StringEnum(ZONE_SCHEMES, {
  description:
    'VUNG_TRONG growing area (3156/QĐ-BNN-TT), VUNG_TRONG_XK export growing area, NUOI_TRONG_THUY_SAN aquaculture facility, CA_TRA pangasius pond (NĐ 55/2017), OTHER',
});

export const ZoneStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('suspended'),
  Type.Literal('cancelled'),
]);

/** A raw-material zone with its official code, stored exactly as issued. */
export const Zone = Type.Object(
  {
    id: Uuid,
    scheme: ZoneScheme,
    code: Type.String({ examples: ['VN-51-536-20000-01-23'] }),
    issuer: Type.String({ examples: ['Chi cục Trồng trọt và Bảo vệ thực vật Quảng Ngãi'] }),
    producerId: Nullable(Uuid),
    adminUnitId: Nullable(Type.String()),
    adminUnitName: Nullable(Type.String()),
    name: Nullable(Type.String()),
    areaHa: Nullable(Type.Number()),
    cropOrSpecies: Type.String({ examples: ['Tỏi'] }),
    standards: Type.Array(Type.String(), { examples: [['VietGAP']] }),
    validFrom: IsoDate,
    validTo: Nullable(IsoDate),
    status: ZoneStatus,
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Zone' },
);
export type Zone = Static<typeof Zone>;

export const ZonePage = Page(Zone, 'ZonePage');

const Standards = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  maxItems: 20,
  uniqueItems: true,
});
const AreaHa = Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 });

export const ZoneCreate = StrictObject({
  scheme: ZoneScheme,
  code: Type.String({ minLength: 1, maxLength: 64, description: 'The official code exactly as issued' }),
  issuer: Type.String({ minLength: 1, maxLength: 200 }),
  producerId: Type.Optional(Nullable(Uuid)),
  adminUnitId: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
  areaHa: Type.Optional(Nullable(AreaHa)),
  cropOrSpecies: Type.String({ minLength: 1, maxLength: 100 }),
  standards: Type.Optional(Standards),
  validFrom: IsoDate,
  validTo: Type.Optional(Nullable(Type.String({ format: 'date' }))),
});
export type ZoneCreate = Static<typeof ZoneCreate>;

/** The scheme and code are the official identity of a zone and never change; register a new zone. */
export const ZoneUpdate = StrictObject(
  {
    issuer: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    producerId: Type.Optional(Nullable(Uuid)),
    adminUnitId: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
    areaHa: Type.Optional(Nullable(AreaHa)),
    cropOrSpecies: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    standards: Type.Optional(Standards),
    validTo: Type.Optional(Nullable(Type.String({ format: 'date' }))),
    status: Type.Optional(ZoneStatus),
  },
  { minProperties: 1 },
);
export type ZoneUpdate = Static<typeof ZoneUpdate>;

export const ZoneQuery = Type.Object(
  {
    scheme: Type.Optional(ZoneScheme),
    producerId: Type.Optional(Uuid),
    status: Type.Optional(ZoneStatus),
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Code, name or crop' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ZoneQuery = Static<typeof ZoneQuery>;
