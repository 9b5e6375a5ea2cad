import { Type, type Static } from '@sinclair/typebox';
import { REVOCATION_REASONS } from '@ocop/domain';
import { IsoDate, StrictObject, Uuid } from '../common-schemas.ts';
import { DateTime, Nullable, StringEnum } from '../route-helpers.ts';

export const CertificateState = Type.Union(
  [
    Type.Literal('valid'),
    Type.Literal('not_yet_valid'),
    Type.Literal('expired'),
    Type.Literal('revoked'),
    Type.Literal('superseded'),
  ],
  { description: 'The state today (Vietnam), computed from status and dates (certificateStateOn)' },
);

export const CertifyingLevel = Type.Union(
  [Type.Literal('district'), Type.Literal('province'), Type.Literal('central')],
  { description: 'Who certified: district (3★ from 24/02/2023 to 05/07/2025), province, or central (5★)' },
);

export const RevocationReason = StringEnum(REVOCATION_REASONS);

/** An OCOP certificate (giấy chứng nhận) of one product, with its state computed today. */
export const Certificate = Type.Object(
  {
    id: Uuid,
    productId: Uuid,
    criteriaSetId: Type.String({ examples: ['148/QĐ-TTg'] }),
    scoreA: Type.Number(),
    scoreB: Type.Number(),
    scoreC: Type.Number(),
    totalScore: Type.Number(),
    mandatoryPassed: Type.Array(Type.Integer(), {
      description: 'Star levels whose mandatory criteria all pass',
    }),
    stars: Type.Integer({ minimum: 3, maximum: 5 }),
    level: CertifyingLevel,
    authority: Type.String({ examples: ['UBND tỉnh Quảng Ngãi'] }),
    decisionNo: Type.String({ examples: ['1898/QĐ-UBND'] }),
    decisionDate: IsoDate,
    round: Nullable(Type.String()),
    validFrom: IsoDate,
    validTo: Type.String({
      format: 'date',
      description: 'Last valid day, inclusive (36 months from the decision)',
    }),
    status: Type.Union([Type.Literal('active'), Type.Literal('superseded'), Type.Literal('revoked')]),
    state: CertificateState,
    renewalDue: Type.Boolean({ description: 'Valid and within 30 days of its last valid day' }),
    renewalDueOn: Type.String({ format: 'date', description: 'First day of the renewal notice window' }),
    daysUntilExpiry: Type.Integer(),
    supersedesId: Nullable(Uuid),
    supersededById: Nullable(Uuid),
    revocation: Nullable(
      Type.Object({
        reason: RevocationReason,
        reasonVi: Type.String(),
        reasonEn: Type.String(),
        note: Nullable(Type.String()),
        revokedAt: DateTime,
      }),
    ),
    evidenceUrl: Nullable(Type.String()),
    createdAt: DateTime,
  },
  { $id: 'Certificate' },
);
export type Certificate = Static<typeof Certificate>;

/** The current certificate of a product as the catalogue lists it. */
export const CertificateBrief = Type.Object(
  {
    id: Uuid,
    stars: Type.Integer(),
    decisionNo: Type.String(),
    decisionDate: IsoDate,
    validTo: IsoDate,
    state: CertificateState,
  },
  { $id: 'CertificateBrief' },
);
export type CertificateBrief = Static<typeof CertificateBrief>;

const score = (description: string) => Type.Number({ minimum: 0, maximum: 100, description });

export const CertificateCreate = StrictObject({
  productId: Uuid,
  scoreA: score('Part A, product and community (148: up to 40)'),
  scoreB: score('Part B, marketing and product story (148: up to 25)'),
  scoreC: score('Part C, quality and standards (148: up to 35)'),
  mandatoryPassed: Type.Array(Type.Integer({ minimum: 1, maximum: 5 }), {
    maxItems: 5,
    uniqueItems: true,
    description: 'Star levels (3, 4, 5) whose mandatory criteria the product all passes',
  }),
  stars: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 5,
      description: 'The stars the council announced; checked against the scores',
    }),
  ),
  level: Type.Optional(CertifyingLevel),
  authority: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: "Default: derived from the level and the product's unit",
    }),
  ),
  decisionNo: Type.String({ minLength: 1, maxLength: 50, examples: ['1898/QĐ-UBND'] }),
  decisionDate: IsoDate,
  round: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 50, examples: ['Đợt 1 năm 2025'] }))),
  validFrom: Type.Optional(Type.String({ format: 'date', description: 'Default: the decision date' })),
  evidenceUrl: Type.Optional(Nullable(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 500 }))),
  supersedesId: Type.Optional(
    Nullable(
      Type.String({
        format: 'uuid',
        description: 'On renewal or upgrade: the active certificate this one replaces (marked superseded)',
      }),
    ),
  ),
});
export type CertificateCreate = Static<typeof CertificateCreate>;

export const RevokeRequest = StrictObject({
  reason: RevocationReason,
  note: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 2000 }))),
});
export type RevokeRequest = Static<typeof RevokeRequest>;

export const RenewalQuery = Type.Object(
  {
    withinDays: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 366,
        default: 30,
        description: 'Last valid day within this many days',
      }),
    ),
  },
  { additionalProperties: false },
);

export const Renewal = Type.Object(
  {
    certificate: Certificate,
    product: Type.Object({ id: Uuid, nameVi: Type.String() }),
    producer: Type.Object({ id: Uuid, name: Type.String() }),
  },
  { $id: 'Renewal' },
);

export const RenewalList = Type.Object(
  { items: Type.Array(Renewal), withinDays: Type.Integer(), today: IsoDate },
  { $id: 'RenewalList' },
);
