import { Type, type Static } from '@sinclair/typebox';
import { PageQuery, StrictObject, Uuid } from '../common-schemas.ts';
import { DateTime, Nullable, Page, StringEnum } from '../route-helpers.ts';

export const CASE_KINDS = [
  'suspected_copy',
  'counterfeit_report',
  'inspector_finding',
  'stars_mismatch',
  'expired_mark',
  'other',
] as const;
export const CASE_STATUSES = ['open', 'investigating', 'closed'] as const;
export const CASE_PRIORITIES = ['high', 'normal', 'low'] as const;
export const CASE_RESOLUTIONS = [
  'confirmed_counterfeit',
  'false_alarm',
  'corrected_by_producer',
  'referred',
  'certificate_revoked',
  'batch_recalled',
  'other',
] as const;

export const CaseKind = StringEnum(CASE_KINDS, {
  description:
    'suspected_copy (scan signals), counterfeit_report (consumer reports), inspector_finding, stars_mismatch, expired_mark (OCOP mark used without a valid certificate), other',
});
export const CaseStatus = StringEnum(CASE_STATUSES);
export const CasePriority = StringEnum(CASE_PRIORITIES);
export const CaseResolution = StringEnum(CASE_RESOLUTIONS, {
  description: 'How the case ended',
});

const Ref = Type.Object({ id: Uuid, name: Type.String() });
const UnitRef = Type.Object({ id: Type.String(), name: Type.String() });
const UserRef = Type.Object({ id: Uuid, displayName: Type.String() });

/** A case of the office's follow-up queue. */
export const Case = Type.Object(
  {
    id: Uuid,
    kind: CaseKind,
    status: CaseStatus,
    priority: CasePriority,
    title: Type.String(),
    codePath: Nullable(Type.String({ description: 'The code the case is about (its path), if any' })),
    product: Nullable(Ref),
    batch: Nullable(Type.Object({ id: Uuid, lot: Type.String() })),
    area: Nullable(UnitRef),
    signals: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The evidence that opened the case (scan counts, thresholds, verdicts)',
    }),
    openedAt: DateTime,
    openedBy: Nullable(UserRef),
    assignedTo: Nullable(UserRef),
    closedAt: Nullable(DateTime),
    resolution: Nullable(CaseResolution),
    resolutionNote: Nullable(Type.String()),
    updatedAt: DateTime,
    reports: Type.Integer({ minimum: 0, description: 'Consumer reports linked' }),
    findings: Type.Integer({ minimum: 0, description: 'Inspector findings linked' }),
  },
  { $id: 'Case' },
);
export type Case = Static<typeof Case>;

export const CasePage = Page(Case, 'CasePage');

export const CaseEvent = Type.Object(
  {
    id: Uuid,
    at: DateTime,
    actor: Nullable(UserRef),
    action: StringEnum(['opened', 'linked', 'note', 'status', 'assigned', 'closed', 'reopened'] as const),
    note: Nullable(Type.String()),
  },
  { $id: 'CaseEvent' },
);

export const LinkedReport = Type.Object(
  {
    id: Uuid,
    createdAt: DateTime,
    reason: Type.String(),
    verdict: Nullable(Type.String()),
    details: Nullable(Type.String()),
    place: Nullable(Type.String()),
    status: Type.String(),
  },
  { $id: 'LinkedReport' },
);

export const LinkedFinding = Type.Object(
  {
    id: Uuid,
    observedAt: DateTime,
    inspector: Type.String(),
    verdict: Type.String(),
    outcome: Type.String(),
    printedStars: Nullable(Type.Integer()),
    certifiedStars: Nullable(Type.Integer()),
    place: Nullable(Type.String()),
    note: Nullable(Type.String()),
    photos: Type.Integer({ minimum: 0 }),
  },
  { $id: 'LinkedFinding' },
);

export const CaseDetail = Type.Object(
  {
    case: Case,
    reports: Type.Array(LinkedReport),
    findings: Type.Array(LinkedFinding),
    events: Type.Array(CaseEvent, { description: 'The case history, oldest first' }),
  },
  { $id: 'CaseDetail' },
);
export type CaseDetail = Static<typeof CaseDetail>;

export const CaseQuery = Type.Object(
  {
    status: Type.Optional(
      StringEnum([...CASE_STATUSES, 'active'] as const, { description: 'active = open or investigating' }),
    ),
    kind: Type.Optional(CaseKind),
    codePath: Type.Optional(Type.String({ maxLength: 300 })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type CaseQuery = Static<typeof CaseQuery>;

const Ids = Type.Array(Uuid, { maxItems: 100, uniqueItems: true });

export const CaseCreate = StrictObject(
  {
    kind: CaseKind,
    title: Type.String({ minLength: 1, maxLength: 300 }),
    priority: Type.Optional(CasePriority),
    code: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2048, description: 'A scanned code text or a code path' }),
    ),
    productId: Type.Optional(Nullable(Uuid)),
    batchId: Type.Optional(Nullable(Uuid)),
    adminUnitId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    reportIds: Type.Optional(Ids),
    findingIds: Type.Optional(Ids),
    signals: Type.Optional(
      Type.Record(Type.String({ maxLength: 60 }), Type.Unknown(), { maxProperties: 30 }),
    ),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
  },
  { $id: 'CaseCreate' },
);
export type CaseCreate = Static<typeof CaseCreate>;

export const CaseUpdate = StrictObject(
  {
    status: Type.Optional(StringEnum(['open', 'investigating'] as const)),
    priority: Type.Optional(CasePriority),
    assignedTo: Type.Optional(Nullable(Uuid)),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  },
  { $id: 'CaseUpdate', minProperties: 1 },
);
export type CaseUpdate = Static<typeof CaseUpdate>;

export const CaseNote = StrictObject(
  { note: Type.String({ minLength: 1, maxLength: 4000 }) },
  { $id: 'CaseNote' },
);

export const CaseLinks = StrictObject(
  { reportIds: Type.Optional(Ids), findingIds: Type.Optional(Ids) },
  { $id: 'CaseLinks', minProperties: 1 },
);
export type CaseLinks = Static<typeof CaseLinks>;

export const CaseClose = StrictObject(
  {
    resolution: CaseResolution,
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
  },
  { $id: 'CaseClose' },
);
export type CaseClose = Static<typeof CaseClose>;

export const CaseReopen = StrictObject(
  { note: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })) },
  { $id: 'CaseReopen' },
);
