import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from '../common-schemas.ts';
import { DateTime, Nullable, StringEnum } from '../route-helpers.ts';

export const SIGNALS = [
  'many_devices',
  'many_areas',
  'batch_overscanned',
  'burst',
  'verdict_suspected_copy',
] as const;
export const Signal = StringEnum(SIGNALS, {
  description:
    'many_devices / many_areas: a unit code seen on too many devices or in too many areas within the window; batch_overscanned: a batch code scanned more often than the batch has units; burst: many scans within one hour; verdict_suspected_copy: the verifier already answered suspected_copy',
});

const Count = Type.Integer({ minimum: 0 });
const DayCount = Type.Object({ day: Type.String({ format: 'date' }), scans: Count });
const AreaCount = Type.Object({ area: Type.String(), scans: Count });
const VerdictCount = Type.Object({ verdict: Type.String(), scans: Count });

export const ScanStats = Type.Object(
  {
    total: Count,
    signed: Count,
    firstAt: Nullable(DateTime),
    lastAt: Nullable(DateTime),
    devices: Type.Integer({ minimum: 0, description: 'Distinct devices within the window' }),
    areas: Type.Integer({ minimum: 0, description: 'Distinct coarse areas within the window' }),
    last24h: Count,
    maxPerHour: Type.Integer({ minimum: 0, description: 'The most scans within one clock hour (velocity)' }),
    perDay: Type.Array(DayCount, {
      description: 'The last 30 days, oldest first, days without scans included',
    }),
    byArea: Type.Array(AreaCount, { description: 'Within the window, most scanned first' }),
    byVerdict: Type.Array(VerdictCount),
  },
  { $id: 'ScanStats' },
);
export type ScanStats = Static<typeof ScanStats>;

export const Thresholds = Type.Object(
  {
    windowDays: Type.Integer(),
    devices: Type.Integer(),
    areas: Type.Integer(),
    burstPerHour: Type.Integer(),
  },
  { $id: 'CopyThresholds' },
);

const LinkedBrief = Type.Object({
  id: Uuid,
  at: DateTime,
  kind: Type.String({ description: 'Report reason or finding outcome' }),
  verdict: Nullable(Type.String()),
  place: Nullable(Type.String()),
  caseId: Nullable(Uuid),
});

export const CodeAnalytics = Type.Object(
  {
    codePath: Type.String(),
    issued: Type.Boolean({ description: 'The code is in the issuance register' }),
    kind: Nullable(StringEnum(['batch', 'unit'] as const)),
    product: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
    batch: Nullable(
      Type.Object({
        id: Uuid,
        lot: Type.String(),
        quantity: Type.Number(),
        unitCodes: Count,
        status: Type.String(),
      }),
    ),
    scans: ScanStats,
    thresholds: Thresholds,
    signals: Type.Array(Signal),
    reports: Type.Array(LinkedBrief),
    findings: Type.Array(LinkedBrief),
    openCase: Nullable(Type.Object({ id: Uuid, status: Type.String(), title: Type.String() })),
  },
  { $id: 'CodeAnalytics' },
);
export type CodeAnalytics = Static<typeof CodeAnalytics>;

export const CodeAnalyticsQuery = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 2048, description: 'A scanned code text or a code path' }) },
  { additionalProperties: false },
);

export const TopCode = Type.Object({
  path: Type.String(),
  kind: StringEnum(['batch', 'unit'] as const),
  scans: Count,
  devices: Count,
  areas: Count,
  lastAt: Nullable(DateTime),
  signals: Type.Array(Signal),
});

export const BatchAnalytics = Type.Object(
  {
    batch: Type.Object({
      id: Uuid,
      lot: Type.String(),
      productId: Uuid,
      productName: Type.String(),
      quantity: Type.Number(),
      unit: Type.String(),
      status: Type.String(),
    }),
    codes: Type.Object({
      batch: Count,
      units: Count,
      scanned: Type.Integer({ minimum: 0, description: 'Codes scanned at least once' }),
    }),
    scans: ScanStats,
    batchCodeScans: Count,
    topCodes: Type.Array(TopCode, {
      description: 'The most scanned codes of the batch, with their copy signals',
    }),
    thresholds: Thresholds,
    reports: Count,
    findings: Count,
  },
  { $id: 'BatchAnalytics' },
);
export type BatchAnalytics = Static<typeof BatchAnalytics>;

export const CodeSignal = Type.Object(
  {
    codePath: Type.String(),
    kind: Nullable(StringEnum(['batch', 'unit'] as const)),
    product: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
    batch: Nullable(Type.Object({ id: Uuid, lot: Type.String() })),
    scans: Count,
    devices: Count,
    areas: Count,
    topArea: Nullable(Type.String()),
    lastAt: Nullable(DateTime),
    signals: Type.Array(Signal),
    openCaseId: Nullable(Uuid),
  },
  { $id: 'CodeSignal' },
);

export const ReportSignal = Type.Object(
  {
    id: Uuid,
    createdAt: DateTime,
    reason: Type.String(),
    verdict: Nullable(Type.String()),
    codePath: Nullable(Type.String()),
    product: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
    place: Nullable(Type.String()),
    details: Nullable(Type.String()),
    /** An open case about the same code, which this report could join. */
    openCaseId: Nullable(Uuid),
  },
  { $id: 'ReportSignal' },
);

export const SignalList = Type.Object(
  {
    codes: Type.Array(CodeSignal, { description: 'Codes whose scans look copied, strongest first' }),
    reports: Type.Array(ReportSignal, { description: 'Consumer reports not yet in a case, newest first' }),
    thresholds: Thresholds,
  },
  { $id: 'SignalList' },
);
export type SignalList = Static<typeof SignalList>;

export const SignalQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 30 })) },
  { additionalProperties: false },
);
