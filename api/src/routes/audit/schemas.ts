import { Type, type Static } from '@sinclair/typebox';
import { PageQuery, Uuid } from '../common-schemas.ts';
import { DateTime, Nullable, Page } from '../route-helpers.ts';

/** One entry of the hash-chained audit log (written by database triggers). */
export const AuditEntry = Type.Object(
  {
    seq: Type.Integer({ minimum: 1 }),
    occurredAt: DateTime,
    actorId: Nullable(Uuid),
    actorEmail: Nullable(Type.String()),
    action: Type.String({ examples: ['insert', 'update', 'delete'] }),
    entity: Type.String({ examples: ['certificates'] }),
    entityId: Nullable(Type.String()),
    data: Type.Unknown({ description: 'The new row (insert, delete) or the changed columns (update)' }),
    prevHash: Type.String(),
    hash: Type.String(),
  },
  { $id: 'AuditEntry' },
);
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditPage = Page(AuditEntry, 'AuditPage');

export const AuditQuery = Type.Object(
  {
    entity: Type.Optional(Type.String({ maxLength: 64, examples: ['batches'] })),
    entityId: Type.Optional(Type.String({ maxLength: 100 })),
    actorId: Type.Optional(Uuid),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditVerification = Type.Union(
  [
    Type.Object({ ok: Type.Literal(true), entries: Type.Integer() }),
    Type.Object({ ok: Type.Literal(false), firstBrokenSeq: Type.Integer(), reason: Type.String() }),
  ],
  { $id: 'AuditVerification' },
);
