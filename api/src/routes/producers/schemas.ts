import { Type, type Static } from '@sinclair/typebox';
import { PRODUCER_KINDS } from '@ocop/domain';
import { PageQuery, StrictObject, Uuid } from '../common-schemas.ts';
import { DateTime, Nullable, Page, StringEnum } from '../route-helpers.ts';

export const ProducerKind = StringEnum(PRODUCER_KINDS, {
  description: 'DN enterprise, HTX cooperative, THT cooperative group, HKD household business',
});

/** A producer (chủ thể OCOP). */
export const Producer = Type.Object(
  {
    id: Uuid,
    name: Type.String({ examples: ['HTX Nông nghiệp Lý Sơn'] }),
    kind: ProducerKind,
    taxCode: Nullable(Type.String({ examples: ['4300123456'] })),
    addressLine: Nullable(Type.String()),
    adminUnitId: Nullable(Type.String()),
    adminUnitName: Nullable(Type.String()),
    representative: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    email: Nullable(Type.String()),
    website: Nullable(Type.String()),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Producer' },
);
export type Producer = Static<typeof Producer>;

export const ProducerPage = Page(Producer, 'ProducerPage');

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Contact = {
  addressLine: Nullable(Text(500)),
  representative: Nullable(Text(200)),
  phone: Nullable(Type.String({ pattern: '^[0-9 +().-]{6,20}$', examples: ['0255 3 822 123'] })),
  email: Nullable(Type.String({ format: 'email', maxLength: 254 })),
  website: Nullable(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 500 })),
};

export const ProducerCreate = StrictObject({
  name: Text(300),
  kind: ProducerKind,
  taxCode: Type.Optional(
    Nullable(
      Type.String({ description: 'Mã số thuế: 10 digits, or 10-3 for a branch', examples: ['0100109106'] }),
    ),
  ),
  adminUnitId: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  addressLine: Type.Optional(Contact.addressLine),
  representative: Type.Optional(Contact.representative),
  phone: Type.Optional(Contact.phone),
  email: Type.Optional(Contact.email),
  website: Type.Optional(Contact.website),
});
export type ProducerCreate = Static<typeof ProducerCreate>;

export const ProducerUpdate = StrictObject(
  {
    name: Type.Optional(Text(300)),
    kind: Type.Optional(ProducerKind),
    taxCode: Type.Optional(Nullable(Type.String())),
    adminUnitId: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    addressLine: Type.Optional(Contact.addressLine),
    representative: Type.Optional(Contact.representative),
    phone: Type.Optional(Contact.phone),
    email: Type.Optional(Contact.email),
    website: Type.Optional(Contact.website),
  },
  { minProperties: 1 },
);
export type ProducerUpdate = Static<typeof ProducerUpdate>;

export const ProducerQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Name or tax code, diacritics optional' })),
    kind: Type.Optional(ProducerKind),
    adminUnitId: Type.Optional(
      Type.String({ maxLength: 100, description: 'Inside this unit (old units included)' }),
    ),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ProducerQuery = Static<typeof ProducerQuery>;
