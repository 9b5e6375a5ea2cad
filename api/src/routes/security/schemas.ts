import { Type, type Static } from '@sinclair/typebox';
import { PageQuery, Uuid } from '../common-schemas.ts';
import { DateTime, Nullable, Page } from '../route-helpers.ts';

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

export const AuditCheckpoint = Type.Object(
  {
    checkpoint: Type.String({
      description: 'Compact JWS (ES256, typ ocop-audit-checkpoint+jws): keep it off this machine',
    }),
    kid: Type.String(),
    iss: Type.String(),
    seq: Type.Integer({ minimum: 1, description: 'The audit entry at the head of the chain' }),
    hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    occurredAt: DateTime,
    iat: Type.Integer({ description: 'When it was signed (seconds since the epoch)' }),
  },
  { $id: 'AuditCheckpoint' },
);

export const AuditCheckpointBody = Type.Object(
  {
    checkpoint: Type.String({
      minLength: 5,
      maxLength: 4096,
      pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
    }),
  },
  { additionalProperties: false },
);

export const AuditCheckpointCheck = Type.Object(
  {
    matches: Type.Boolean(),
    reason: Nullable(
      Type.Union([
        Type.Literal('malformed'),
        Type.Literal('unknown_key'),
        Type.Literal('signature'),
        Type.Literal('missing_entry'),
        Type.Literal('hash_differs'),
        Type.Literal('chain_broken'),
      ]),
    ),
    detail: Type.String(),
    seq: Nullable(Type.Integer()),
    kid: Nullable(Type.String()),
    signedAt: Nullable(DateTime),
    firstBrokenSeq: Nullable(
      Type.Integer({ description: 'The first broken entry of the chain now, if any' }),
    ),
  },
  { $id: 'AuditCheckpointCheck' },
);
