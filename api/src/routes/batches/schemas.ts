import { Type, type Static } from '@sinclair/typebox';
import { IsoDate, PageQuery, StrictObject, Uuid } from '../common-schemas.ts';
import { DateTime, Nullable, Page } from '../route-helpers.ts';
import { ZoneScheme } from '../zones/schemas.ts';

export const BatchEventType = Type.Union(
  [
    Type.Literal('harvest'),
    Type.Literal('receiving'),
    Type.Literal('processing'),
    Type.Literal('packaging'),
    Type.Literal('storage'),
    Type.Literal('shipping'),
    Type.Literal('inspection'),
    Type.Literal('other'),
  ],
  { description: 'Critical tracking event (TCVN 12850:2019 / GS1 Global Traceability Standard)' },
);

/** One value-chain event of a batch. */
export const BatchEvent = Type.Object(
  {
    id: Uuid,
    type: BatchEventType,
    occurredAt: DateTime,
    place: Nullable(Type.String()),
    adminUnitId: Nullable(Type.String()),
    actor: Nullable(Type.String({ description: 'Who did it (a person, a cooperative team, a carrier)' })),
    note: Nullable(Type.String()),
    recordedBy: Nullable(Uuid),
    recordedAt: DateTime,
  },
  { $id: 'BatchEvent' },
);
export type BatchEvent = Static<typeof BatchEvent>;

export const BatchZone = Type.Object(
  {
    zoneId: Uuid,
    scheme: ZoneScheme,
    code: Type.String(),
    name: Nullable(Type.String()),
    cropOrSpecies: Type.String(),
    quantity: Nullable(Type.Number()),
    unit: Nullable(Type.String()),
  },
  { $id: 'BatchZone' },
);

const BatchFields = {
  id: Uuid,
  productId: Uuid,
  productName: Type.String(),
  producerId: Uuid,
  lot: Type.String({ examples: ['TLS-2026-03'] }),
  producedOn: IsoDate,
  bestBefore: Nullable(IsoDate),
  quantity: Type.Number(),
  unit: Type.String({ examples: ['kg'] }),
  status: Type.Union([Type.Literal('active'), Type.Literal('recalled')]),
  recall: Nullable(Type.Object({ reason: Type.String(), recalledAt: DateTime, recalledBy: Nullable(Uuid) })),
  createdBy: Nullable(Uuid),
  createdAt: DateTime,
};

export const BatchSummary = Type.Object(BatchFields, { $id: 'BatchSummary' });
export type BatchSummary = Static<typeof BatchSummary>;

/** A batch (lô) with the zones it drew from and its events in time order. */
export const Batch = Type.Object(
  {
    ...BatchFields,
    zones: Type.Array(BatchZone),
    events: Type.Array(BatchEvent, { description: 'In time order (occurredAt, then recording order)' }),
  },
  { $id: 'Batch' },
);
export type Batch = Static<typeof Batch>;

export const BatchPage = Page(BatchSummary, 'BatchPage');

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

export const BatchEventCreate = StrictObject({
  type: BatchEventType,
  occurredAt: Type.String({
    format: 'date-time',
    description: 'With an offset, e.g. 2026-03-15T08:30:00+07:00',
  }),
  place: Type.Optional(Nullable(Text(300))),
  adminUnitId: Type.Optional(Nullable(Text(100))),
  actor: Type.Optional(Nullable(Text(200))),
  note: Type.Optional(Nullable(Text(2000))),
});
export type BatchEventCreate = Static<typeof BatchEventCreate>;

export const BatchCreate = StrictObject({
  productId: Uuid,
  lot: Type.String({
    pattern: '^[A-Za-z0-9._-]{1,20}$',
    description: 'GS1 AI (10): up to 20 letters, digits, dot, dash or underscore; unique per product',
    examples: ['TLS-2026-03'],
  }),
  producedOn: IsoDate,
  bestBefore: Type.Optional(Nullable(Type.String({ format: 'date' }))),
  quantity: Type.Number({ exclusiveMinimum: 0, maximum: 100_000_000_000 }),
  unit: Type.String({ minLength: 1, maxLength: 20, examples: ['kg', 'hộp', 'chai'] }),
  zones: Type.Array(
    StrictObject({
      zoneId: Uuid,
      quantity: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 100_000_000_000 }))),
      unit: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 20 }))),
    }),
    { maxItems: 50, description: 'Raw-material zones the batch drew from (one step back)' },
  ),
  events: Type.Optional(Type.Array(BatchEventCreate, { maxItems: 100 })),
});
export type BatchCreate = Static<typeof BatchCreate>;

export const RecallRequest = StrictObject({
  reason: Type.String({ minLength: 3, maxLength: 2000, examples: ['Nấm mốc phát hiện trong lô hàng'] }),
});

export const BatchQuery = Type.Object(
  {
    productId: Type.Optional(Uuid),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('recalled')])),
    lot: Type.Optional(Type.String({ maxLength: 20 })),
    producedFrom: Type.Optional(Type.String({ format: 'date' })),
    producedTo: Type.Optional(Type.String({ format: 'date' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type BatchQuery = Static<typeof BatchQuery>;
