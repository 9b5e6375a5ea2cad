import { Type, type Static } from '@sinclair/typebox';
import { PageQuery, StrictObject, Uuid } from '../common-schemas.ts';
import { DateTime, Nullable, Page, StringEnum } from '../route-helpers.ts';

export const FINDING_VERDICTS = [
  'forged',
  'unknown',
  'revoked_certificate',
  'recalled_batch',
  'expired_certificate',
  'suspected_copy',
  'status_unknown',
  'genuine',
  'not_scanned',
] as const;

export const FINDING_OUTCOMES = [
  'compliant',
  'counterfeit_suspected',
  'stars_mismatch',
  'expired_mark',
  'revoked_mark',
  'recalled_on_sale',
  'label_damaged',
  'no_code',
  'other',
] as const;

export const FindingVerdict = StringEnum(FINDING_VERDICTS, {
  description:
    'The verdict the device showed for the scan (DESIGN verdicts), or not_scanned for a pack without a code',
});
export const FindingOutcome = StringEnum(FINDING_OUTCOMES, {
  description:
    "The inspector's conclusion: compliant, counterfeit_suspected, stars_mismatch (stars on the pack differ from the certified stars), expired_mark / revoked_mark (OCOP mark without a valid certificate), recalled_on_sale, label_damaged, no_code, other",
});

export const FindingPhoto = Type.Object(
  {
    id: Uuid,
    width: Type.Integer(),
    height: Type.Integer(),
    bytes: Type.Integer(),
    sha256: Type.String({ description: 'SHA-256 of the stored WebP, hex' }),
    url: Type.String({ description: 'GET it with the same bearer token' }),
  },
  { $id: 'FindingPhoto' },
);
export type FindingPhoto = Static<typeof FindingPhoto>;

/** A finding as stored, with what the server could tie it to. */
export const Finding = Type.Object(
  {
    id: Uuid,
    sessionId: Uuid,
    inspector: Type.Object({ id: Uuid, displayName: Type.String() }),
    observedAt: DateTime,
    receivedAt: DateTime,
    code: Nullable(Type.String()),
    codePath: Nullable(Type.String()),
    verdict: FindingVerdict,
    verdictSource: StringEnum(['online', 'offline', 'none'] as const),
    product: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
    batch: Nullable(Type.Object({ id: Uuid, lot: Type.String() })),
    certifiedStars: Nullable(Type.Integer()),
    printedStars: Nullable(Type.Integer()),
    starsMismatch: Type.Boolean({
      description: 'Printed stars recorded and different from the certified stars',
    }),
    outcome: FindingOutcome,
    place: Nullable(Type.String()),
    area: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
    latitude: Nullable(Type.Number()),
    longitude: Nullable(Type.Number()),
    note: Nullable(Type.String()),
    photos: Type.Array(FindingPhoto),
    caseId: Nullable(Uuid),
  },
  { $id: 'Finding' },
);
export type Finding = Static<typeof Finding>;

export const FindingPage = Page(Finding, 'FindingPage');

export const FindingCreate = StrictObject(
  {
    id: Type.String({
      format: 'uuid',
      description: 'Made by the device when the finding is recorded (offline too): the deduplication key',
    }),
    sessionId: Type.String({ format: 'uuid', description: "The inspection session (the report's unit)" }),
    observedAt: Type.String({
      format: 'date-time',
      description: 'When the inspector recorded it (device clock)',
    }),
    code: Type.Optional(
      Nullable(Type.String({ minLength: 1, maxLength: 2048, description: 'The scanned text' })),
    ),
    verdict: FindingVerdict,
    verdictSource: Type.Optional(StringEnum(['online', 'offline', 'none'] as const)),
    productId: Type.Optional(Nullable(Uuid)),
    certifiedStars: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 5 }))),
    printedStars: Type.Optional(
      Nullable(
        Type.Integer({ minimum: 0, maximum: 5, description: 'Stars printed on the pack (0: no stars)' }),
      ),
    ),
    outcome: FindingOutcome,
    place: Type.Optional(Nullable(Type.String({ maxLength: 300, examples: ['Chợ Quảng Ngãi, sạp 12'] }))),
    adminUnitId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    latitude: Type.Optional(Nullable(Type.Number({ minimum: -90, maximum: 90 }))),
    longitude: Type.Optional(Nullable(Type.Number({ minimum: -180, maximum: 180 }))),
    note: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
  },
  { $id: 'FindingCreate' },
);
export type FindingCreate = Static<typeof FindingCreate>;

export const FindingQuery = Type.Object(
  {
    sessionId: Type.Optional(Uuid),
    outcome: Type.Optional(FindingOutcome),
    productId: Type.Optional(Uuid),
    codePath: Type.Optional(Type.String({ maxLength: 300 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type FindingQuery = Static<typeof FindingQuery>;

export const FindingReportQuery = Type.Object(
  {
    format: StringEnum(['csv', 'pdf'] as const),
    sessionId: Type.Optional(Uuid),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    lang: Type.Optional(StringEnum(['vi', 'en'] as const)),
  },
  { additionalProperties: false },
);
export type FindingReportQuery = Static<typeof FindingReportQuery>;

export const PhotoParams = Type.Object({ id: Uuid, photoId: Uuid }, { additionalProperties: false });

export const Binary = (description: string) =>
  Type.Unsafe<Buffer | string | NodeJS.ReadableStream>({ type: 'string', format: 'binary', description });
