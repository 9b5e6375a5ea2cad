import { Type, type Static } from '@sinclair/typebox';
import { StrictObject, Uuid } from '../common-schemas.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** Who the request is about: the phone number or email a reporter left with their reports. */
export const ReporterRequest = StrictObject(
  {
    contact: Type.String({
      minLength: 3,
      maxLength: 200,
      description:
        'The phone number or email the reporter gave (matched case-insensitively; phone numbers ignore spaces, dots, dashes and a +84 / 84 prefix).',
      examples: ['0905 123 456'],
    }),
  },
  { $id: 'ReporterRequest' },
);
export type ReporterRequest = Static<typeof ReporterRequest>;

export const ReporterReport = Type.Object(
  {
    id: Uuid,
    createdAt: Type.String({ format: 'date-time' }),
    reason: Type.String(),
    code: Nullable(Type.String()),
    productId: Type.Union([Uuid, Type.Null()]),
    verdict: Nullable(Type.String()),
    details: Nullable(Type.String()),
    place: Nullable(Type.String()),
    contact: Nullable(Type.String()),
    lang: Type.String(),
    status: Type.String(),
  },
  { $id: 'ReporterReport' },
);

export const ReporterExport = Type.Object(
  {
    contact: Type.String(),
    exportedAt: Type.String({ format: 'date-time' }),
    reports: Type.Array(ReporterReport),
  },
  { $id: 'ReporterExport' },
);

export const ReporterErasure = Type.Object(
  {
    erasedAt: Type.String({ format: 'date-time' }),
    reports: Type.Integer({ minimum: 0, description: 'Reports whose personal fields were erased.' }),
    reportIds: Type.Array(Uuid),
  },
  { $id: 'ReporterErasure' },
);
