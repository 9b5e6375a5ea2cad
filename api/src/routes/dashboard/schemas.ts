import { Type, type Static } from '@sinclair/typebox';
import { StrictObject, Uuid } from '../common-schemas.ts';
import { Nullable, StringEnum } from '../route-helpers.ts';

const Count = Type.Integer({ minimum: 0 });
const Day = Type.String({ format: 'date' });

export const TARGET_METRICS_MEASURED = ['new_certified_3_5', 'new_4_star_province', 'new_5_star'] as const;

export const TargetProgress = Type.Object(
  {
    id: Uuid,
    plan: Type.String(),
    metric: Type.String(),
    labelVi: Type.String(),
    labelEn: Type.String(),
    unit: StringEnum(['count', 'percent'] as const),
    targetMin: Type.Number(),
    targetMax: Nullable(Type.Number()),
    actual: Nullable(
      Type.Number({ description: 'Measured from the registry; null when the registry cannot measure it' }),
    ),
    source: Nullable(Type.String()),
  },
  { $id: 'TargetProgress' },
);
export type TargetProgress = Static<typeof TargetProgress>;

export const Targets = Type.Object(
  {
    year: Type.Integer({ description: 'The year the targets and their progress are for' }),
    requestedYear: Type.Integer(),
    years: Type.Array(Type.Integer(), { description: 'Years that have targets' }),
    items: Type.Array(TargetProgress),
  },
  { $id: 'Targets' },
);
export type Targets = Static<typeof Targets>;

export const Dashboard = Type.Object(
  {
    today: Day,
    totals: Type.Object({
      products: Count,
      certifiedProducts: Type.Integer({
        minimum: 0,
        description: 'Products whose certificate is valid today',
      }),
      producers: Count,
      expiredCertificates: Type.Integer({
        minimum: 0,
        description: 'Current certificates past their validity',
      }),
      revokedCertificates: Count,
      batches: Count,
      codes: Count,
      scans30d: Count,
      openCases: Count,
      newReports: Count,
      findings30d: Count,
    }),
    byStars: Type.Array(Type.Object({ stars: Type.Integer(), products: Count })),
    byGroup: Type.Array(
      Type.Object({ code: Type.String(), nameVi: Type.String(), nameEn: Type.String(), products: Count }),
    ),
    byArea: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), products: Count })),
    expiring: Type.Object({
      within30: Count,
      within90: Count,
      items: Type.Array(
        Type.Object({
          certificateId: Uuid,
          productId: Uuid,
          productName: Type.String(),
          producerName: Type.String(),
          stars: Type.Integer(),
          decisionNo: Type.String(),
          validTo: Day,
          daysLeft: Type.Integer(),
        }),
      ),
    }),
    scansPerDay: Type.Array(Type.Object({ day: Day, scans: Count, genuine: Count, problems: Count })),
    signalsByArea: Type.Array(
      Type.Object({
        area: Type.String(),
        suspectedCopies: Type.Integer({
          minimum: 0,
          description: 'suspected_copy scans in the last 30 days, by scan area',
        }),
        reports: Type.Integer({
          minimum: 0,
          description: "Counterfeit reports in the last 90 days, by the reported product's area",
        }),
        findings: Type.Integer({
          minimum: 0,
          description: 'Findings with a problem in the last 90 days, by inspection area',
        }),
      }),
    ),
    targets: Targets,
  },
  { $id: 'Dashboard' },
);
export type Dashboard = Static<typeof Dashboard>;

export const DashboardQuery = Type.Object(
  { year: Type.Optional(Type.Integer({ minimum: 2019, maximum: 2100 })) },
  { additionalProperties: false },
);

export const CHARTS = ['stars', 'groups', 'areas', 'expiring', 'scans', 'signals', 'targets'] as const;
export const ChartParams = Type.Object({ chart: StringEnum(CHARTS) }, { additionalProperties: false });
export const ChartQuery = Type.Object(
  {
    year: Type.Optional(Type.Integer({ minimum: 2019, maximum: 2100 })),
    lang: Type.Optional(StringEnum(['vi', 'en'] as const)),
  },
  { additionalProperties: false },
);

export const TargetsQuery = DashboardQuery;

export const TargetParams = Type.Object(
  {
    year: Type.Integer({ minimum: 2019, maximum: 2100 }),
    metric: Type.String({ pattern: '^[a-z0-9_]{1,60}$' }),
  },
  { additionalProperties: false },
);

export const TargetPut = StrictObject(
  {
    plan: Type.String({ minLength: 1, maxLength: 200, examples: ['Kế hoạch 69/KH-UBND'] }),
    targetMin: Type.Number({ minimum: 0, maximum: 1_000_000 }),
    targetMax: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1_000_000 }))),
    unit: Type.Optional(StringEnum(['count', 'percent'] as const)),
    labelVi: Type.String({ minLength: 1, maxLength: 300 }),
    labelEn: Type.String({ minLength: 1, maxLength: 300 }),
    source: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  },
  { $id: 'TargetPut' },
);
export type TargetPut = Static<typeof TargetPut>;

export const Svg = Type.Unsafe<string>({ type: 'string', description: 'image/svg+xml' });
