import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StrictObject, Uuid } from '../common-schemas.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });

export const REPORT_REASONS = [
  'fake',
  'stars_mismatch',
  'expired_mark',
  'label_damaged',
  'quality',
  'other',
] as const;
export const VERDICTS = [
  'forged',
  'unknown',
  'revoked_certificate',
  'recalled_batch',
  'expired_certificate',
  'suspected_copy',
  'status_unknown',
  'genuine',
] as const;

const ReportReason = Type.Union(
  REPORT_REASONS.map((r) => Type.Literal(r)),
  { description: 'What the reporter noticed.' },
);
const ReportStatus = Type.Union([Type.Literal('new'), Type.Literal('in_review'), Type.Literal('closed')]);

export const NewReportBody = StrictObject(
  {
    reason: ReportReason,
    code: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2048, description: 'The scanned code text (never trusted).' }),
    ),
    productId: Type.Optional(Uuid),
    verdict: Type.Optional(
      Type.Union(
        VERDICTS.map((v) => Type.Literal(v)),
        { description: 'The verdict the reporter saw.' },
      ),
    ),
    details: Type.Optional(Type.String({ maxLength: 2000 })),
    place: Type.Optional(Type.String({ maxLength: 300, description: 'Where the product was sold.' })),
    contact: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'Optional phone or email, only if the reporter wants a reply.',
      }),
    ),
    lang: Type.Optional(Type.Union([Type.Literal('vi'), Type.Literal('en')])),
  },
  { $id: 'NewReport' },
);
export type NewReportBody = Static<typeof NewReportBody>;

export const ReportReceipt = Type.Object(
  { id: Uuid, status: ReportStatus, createdAt: DateTime },
  { $id: 'ReportReceipt' },
);

export const Report = Type.Object(
  {
    id: Uuid,
    createdAt: DateTime,
    reason: ReportReason,
    code: Nullable(Type.String()),
    productId: Nullable(Uuid),
    verdict: Nullable(Type.String()),
    details: Nullable(Type.String()),
    place: Nullable(Type.String()),
    contact: Nullable(Type.String()),
    lang: Type.Union([Type.Literal('vi'), Type.Literal('en')]),
    status: ReportStatus,
  },
  { $id: 'Report' },
);
export type Report = Static<typeof Report>;

export const ReportPage = Type.Object(
  {
    items: Type.Array(Report),
    total: Type.Integer({ minimum: 0 }),
    limit: Type.Integer(),
    offset: Type.Integer(),
  },
  { $id: 'ReportPage' },
);

export const ReportQuery = Type.Object(
  {
    status: Type.Optional(ReportStatus),
    productId: Type.Optional(Uuid),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
  },
  { additionalProperties: false },
);
export type ReportQuery = Static<typeof ReportQuery>;
