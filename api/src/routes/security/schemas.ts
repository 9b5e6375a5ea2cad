import { Type, type Static } from '@sinclair/typebox';
import { PageQuery, Uuid } from '../common-schemas.ts';
import { DateTime, Page } from '../route-helpers.ts';

export const AlertKind = Type.Union(
  [Type.Literal('issuance_quota_exceeded'), Type.Literal('enumeration_suspected')],
  { description: 'What was seen' },
);

/** A security alert: once per kind, subject and window, counted while the window lasts. */
export const SecurityAlert = Type.Object(
  {
    id: Uuid,
    kind: AlertKind,
    subject: Type.String({
      description:
        'A producer id (issuance_quota_exceeded) or a keyed hash of the client address (enumeration_suspected; never the address)',
    }),
    windowStart: DateTime,
    count: Type.Integer({ minimum: 1, description: 'Refusals or misses counted in the window so far' }),
    details: Type.Record(Type.String(), Type.Unknown()),
    firstAt: DateTime,
    lastAt: DateTime,
  },
  { $id: 'SecurityAlert' },
);

export const SecurityAlertPage = Page(SecurityAlert, 'SecurityAlertPage');

export const SecurityAlertQuery = Type.Object(
  { kind: Type.Optional(AlertKind), ...PageQuery },
  { additionalProperties: false },
);
export type SecurityAlertQuery = Static<typeof SecurityAlertQuery>;
