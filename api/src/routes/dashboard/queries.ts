import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from '@ocop/db';
import { addDays } from '@ocop/domain';
import { num, numOrNull } from '../route-helpers.ts';
import type { Scope } from '../scope.ts';
import { productScopeSql } from '../products/queries.ts';
import { lastDays, vnDay } from '../analytics/queries.ts';
import type { Dashboard, TargetPut, Targets } from './schemas.ts';

/**
 * The office dashboard (issue 7 §3): certified products by stars, group and area; certificates due
 * for re-evaluation; scans per day; counterfeit signals by area; progress against the year's
 * targets. An officer sees their area (products made there, scans of their codes); an admin sees all.
 */

/** Products (alias p, producer pr) in the caller's scope. */
const inScope = (scope: Scope): RawBuilder<SqlBool> => productScopeSql(scope);

/** Codes of products in scope, as a path subquery; null = no restriction (admin). */
const scopedPaths = (scope: Scope): RawBuilder<SqlBool> =>
  scope.kind === 'all'
    ? sql<SqlBool>`true`
    : sql<SqlBool>`s.path in (select c.path from codes c join batches b on b.id = c.batch_id
        join products p on p.id = b.product_id join producers pr on pr.id = p.producer_id where ${inScope(scope)})`;

/** A certificate valid on `today` (Decision 148: 36 months from the decision, inclusive). */
const validOn = (today: string) =>
  sql<SqlBool>`c.status = 'active' and c.valid_from <= ${today}::date and c.valid_to >= ${today}::date`;

/**
 * The area a unit counts under on today's map: a current unit is itself; an old unit (before the
 * 01/07/2025 reform) its successor where one is recorded, else its old district. So products
 * certified under the old map still land in one area of the new one.
 */
const areaOf = (unit: RawBuilder<unknown>) => sql<string>`(select coalesce(
    case when u.valid_to is null then u.id end,
    (select s.successor_id from admin_unit_successors s where s.predecessor_id = u.id
      order by s.effective_on desc, s.successor_id limit 1),
    case when up.level = 'district' then up.id end,
    u.id)
  from admin_units u left join admin_units up on up.id = u.parent_id where u.id = ${unit})`;

export async function dashboard(
  db: Kysely<Database>,
  scope: Scope,
  today: string,
  year: number,
): Promise<Dashboard> {
  const scoped = inScope(scope);
  const in30 = addDays(today, 30);
  const in90 = addDays(today, 90);
  const [totals, stars, groups, areas, expiring, scans, copies, reports, findings, targets] =
    await Promise.all([
      sql<Record<string, number>>`
      select
        (select count(*) from products p join producers pr on pr.id = p.producer_id where ${scoped})::int as products,
        (select count(distinct p.id) from products p join producers pr on pr.id = p.producer_id
          join certificates c on c.product_id = p.id where ${validOn(today)} and ${scoped})::int as certified,
        (select count(distinct pr.id) from products p join producers pr on pr.id = p.producer_id where ${scoped})::int as producers,
        (select count(*) from certificates c join products p on p.id = c.product_id join producers pr on pr.id = p.producer_id
          where c.status = 'active' and c.valid_to < ${today}::date and ${scoped})::int as expired,
        (select count(*) from certificates c join products p on p.id = c.product_id join producers pr on pr.id = p.producer_id
          where c.status = 'revoked' and ${scoped})::int as revoked,
        (select count(*) from batches b join products p on p.id = b.product_id join producers pr on pr.id = p.producer_id
          where ${scoped})::int as batches,
        -- Codes: batch codes plus the unit codes their issuance jobs wrote (no count over every code).
        ((select count(*) from codes c where c.kind = 'batch' and c.batch_id in (select b.id from batches b
            join products p on p.id = b.product_id join producers pr on pr.id = p.producer_id where ${scoped}))
          + (select coalesce(sum(j.done), 0) from issuance_jobs j join batches b on b.id = j.batch_id
            join products p on p.id = b.product_id join producers pr on pr.id = p.producer_id where ${scoped}))::int as codes,
        (select count(*) from scans s where s.scanned_at > now() - interval '30 days' and ${scopedPaths(scope)})::int as scans30d,
        (select count(*) from cases k left join products p on p.id = k.product_id left join producers pr on pr.id = p.producer_id
          where k.status <> 'closed' and ${scope.kind === 'all' ? sql`true` : sql`(p.id is null or ${scoped})`})::int as open_cases,
        (select count(*) from reports r left join products p on p.id = r.product_id left join producers pr on pr.id = p.producer_id
          where r.status = 'new' and ${scope.kind === 'all' ? sql`true` : sql`(p.id is null or ${scoped})`})::int as new_reports,
        (select count(*) from findings f left join products p on p.id = f.product_id left join producers pr on pr.id = p.producer_id
          where f.observed_at > now() - interval '30 days' and ${scope.kind === 'all' ? sql`true` : sql`(p.id is null or ${scoped})`})::int as findings30d
    `.execute(db),
      sql<{ stars: number; n: number }>`
      select c.stars, count(distinct p.id)::int as n
      from products p join producers pr on pr.id = p.producer_id join certificates c on c.product_id = p.id
      where ${validOn(today)} and ${scoped}
      group by c.stars order by c.stars`.execute(db),
      sql<{ code: string; name_vi: string | null; name_en: string | null; n: number }>`
      select split_part(p.category_code, '.', 1) as code, max(g.name_vi) as name_vi, max(g.name_en) as name_en,
        count(distinct p.id)::int as n
      from products p join producers pr on pr.id = p.producer_id join certificates c on c.product_id = p.id
      left join product_categories g on g.criteria_set_id = p.criteria_set_id and g.code = split_part(p.category_code, '.', 1)
      where ${validOn(today)} and ${scoped}
      group by 1 order by 1`.execute(db),
      sql<{ id: string; name: string; n: number }>`
      select a.id, a.name, count(*)::int as n
      from (
        select ${areaOf(sql`coalesce(p.origin_unit_id, pr.admin_unit_id)`)} as area_id
        from products p join producers pr on pr.id = p.producer_id join certificates c on c.product_id = p.id
        where ${validOn(today)} and ${scoped}
      ) x join admin_units a on a.id = x.area_id
      group by a.id, a.name order by 3 desc, a.name limit 15`.execute(db),
      sql<{
        id: string;
        product_id: string;
        name_vi: string;
        producer: string;
        stars: number;
        decision_no: string;
        valid_to: string;
        days_left: number;
      }>`
      select c.id, p.id as product_id, p.name_vi, pr.name as producer, c.stars, c.decision_no,
        to_char(c.valid_to, 'YYYY-MM-DD') as valid_to, (c.valid_to - ${today}::date)::int as days_left
      from certificates c join products p on p.id = c.product_id join producers pr on pr.id = p.producer_id
      where c.status = 'active' and c.valid_from <= ${today}::date
        and c.valid_to >= ${today}::date and c.valid_to <= ${in90}::date and ${scoped}
      order by c.valid_to, p.name_vi`.execute(db),
      sql<{ day: string; total: number; genuine: number }>`
      select ${vnDay(sql`s.scanned_at`)} as day, count(*)::int as total,
        count(*) filter (where s.verdict = 'genuine')::int as genuine
      from scans s where s.scanned_at > now() - interval '31 days' and ${scopedPaths(scope)}
      group by 1`.execute(db),
      sql<{ area: string; n: number }>`
      select coalesce(s.area, '') as area, count(*)::int as n from scans s
      where s.verdict = 'suspected_copy' and s.scanned_at > now() - interval '30 days' and ${scopedPaths(scope)}
      group by 1`.execute(db),
      sql<{ area: string; n: number }>`
      select coalesce(a.name, '') as area, count(*)::int as n
      from reports r left join products p on p.id = r.product_id left join producers pr on pr.id = p.producer_id
      left join admin_units a on a.id = ${areaOf(sql`coalesce(p.origin_unit_id, pr.admin_unit_id)`)}
      where r.reason in ('fake', 'stars_mismatch', 'expired_mark', 'label_damaged')
        and r.created_at > now() - interval '90 days'
        and ${scope.kind === 'all' ? sql`true` : sql`(p.id is null or ${scoped})`}
      group by 1`.execute(db),
      sql<{ area: string; n: number }>`
      select coalesce(a.name, '') as area, count(*)::int as n
      from findings f left join admin_units a on a.id = ${areaOf(sql`f.admin_unit_id`)}
      left join products p on p.id = f.product_id left join producers pr on pr.id = p.producer_id
      where f.outcome <> 'compliant' and f.observed_at > now() - interval '90 days'
        and ${scope.kind === 'all' ? sql`true` : sql`(p.id is null or ${scoped})`}
      group by 1`.execute(db),
      targetsProgress(db, scope, year),
    ]);

  const t = totals.rows[0] ?? {};
  const perDay = new Map(scans.rows.map((r) => [r.day, r]));
  const areaRows = new Map<string, { suspectedCopies: number; reports: number; findings: number }>();
  const add = (area: string, key: 'suspectedCopies' | 'reports' | 'findings', n: number) => {
    const row = areaRows.get(area) ?? { suspectedCopies: 0, reports: 0, findings: 0 };
    row[key] += Number(n);
    areaRows.set(area, row);
  };
  for (const r of copies.rows) add(r.area, 'suspectedCopies', r.n);
  for (const r of reports.rows) add(r.area, 'reports', r.n);
  for (const r of findings.rows) add(r.area, 'findings', r.n);

  return {
    today,
    totals: {
      products: Number(t.products ?? 0),
      certifiedProducts: Number(t.certified ?? 0),
      producers: Number(t.producers ?? 0),
      expiredCertificates: Number(t.expired ?? 0),
      revokedCertificates: Number(t.revoked ?? 0),
      batches: Number(t.batches ?? 0),
      codes: Number(t.codes ?? 0),
      scans30d: Number(t.scans30d ?? 0),
      openCases: Number(t.open_cases ?? 0),
      newReports: Number(t.new_reports ?? 0),
      findings30d: Number(t.findings30d ?? 0),
    },
    byStars: [3, 4, 5].map((s) => ({
      stars: s,
      products: Number(stars.rows.find((r) => Number(r.stars) === s)?.n ?? 0),
    })),
    byGroup: groups.rows.map((g) => ({
      code: g.code,
      nameVi: g.name_vi ?? g.code,
      nameEn: g.name_en ?? g.code,
      products: Number(g.n),
    })),
    byArea: areas.rows.map((a) => ({ id: a.id, name: a.name, products: Number(a.n) })),
    expiring: {
      within30: expiring.rows.filter((r) => r.valid_to <= in30).length,
      within90: expiring.rows.length,
      items: expiring.rows.slice(0, 30).map((r) => ({
        certificateId: r.id,
        productId: r.product_id,
        productName: r.name_vi,
        producerName: r.producer,
        stars: Number(r.stars),
        decisionNo: r.decision_no,
        validTo: r.valid_to,
        daysLeft: Number(r.days_left),
      })),
    },
    scansPerDay: lastDays(30).map((day) => {
      const r = perDay.get(day);
      const total = Number(r?.total ?? 0);
      const genuine = Number(r?.genuine ?? 0);
      return { day, scans: total, genuine, problems: total - genuine };
    }),
    signalsByArea: [...areaRows]
      .map(([area, v]) => ({ area, ...v }))
      .sort(
        (a, b) =>
          b.suspectedCopies + b.reports + b.findings - (a.suspectedCopies + a.reports + a.findings) ||
          a.area.localeCompare(b.area, 'vi'),
      )
      .slice(0, 15),
    targets,
  };
}

/**
 * The year's targets and what the registry measures of them: new 3–5★ products (first
 * certificates decided in the year), 4★ certified by the province, 5★ (national). Years without
 * targets of their own show the latest earlier plan's targets, measured in that plan's year.
 */
/** The order of Kế hoạch 69's section II; other metrics follow alphabetically. */
const METRIC_ORDER = [
  'new_certified_3_5',
  'new_4_star_province',
  'new_5_star',
  'producers_strengthened',
  'producers_modern_channels',
  'craft_village_products',
  'producers_trained',
];
const rank = (metric: string) => {
  const i = METRIC_ORDER.indexOf(metric);
  return i === -1 ? METRIC_ORDER.length : i;
};

export async function targetsProgress(
  db: Kysely<Database>,
  scope: Scope,
  requestedYear: number,
): Promise<Targets> {
  const years = (await db.selectFrom('plan_targets').select('year').distinct().orderBy('year').execute()).map(
    (r) => r.year,
  );
  const year = years.includes(requestedYear)
    ? requestedYear
    : ([...years].reverse().find((y) => y <= requestedYear) ?? years[years.length - 1] ?? requestedYear);
  const rows = (
    await db.selectFrom('plan_targets').selectAll().where('year', '=', year).orderBy('created_at').execute()
  ).sort((a, b) => rank(a.metric) - rank(b.metric) || a.metric.localeCompare(b.metric));
  const scoped = inScope(scope);
  const measured = await sql<{ new_3_5: number; new_4_province: number; new_5: number }>`
    select
      count(distinct c.product_id) filter (where c.stars between 3 and 5 and c.supersedes_id is null)::int as new_3_5,
      count(distinct c.product_id) filter (where c.stars = 4 and c.level = 'province')::int as new_4_province,
      count(distinct c.product_id) filter (where c.stars = 5)::int as new_5
    from certificates c join products p on p.id = c.product_id join producers pr on pr.id = p.producer_id
    where extract(year from c.decision_date) = ${year} and ${scoped}`.execute(db);
  const m = measured.rows[0];
  const actual: Record<string, number> = {
    new_certified_3_5: Number(m?.new_3_5 ?? 0),
    new_4_star_province: Number(m?.new_4_province ?? 0),
    new_5_star: Number(m?.new_5 ?? 0),
  };
  return {
    year,
    requestedYear,
    years,
    items: rows.map((r) => ({
      id: r.id,
      plan: r.plan,
      metric: r.metric,
      labelVi: r.label_vi,
      labelEn: r.label_en,
      unit: r.unit,
      targetMin: num(r.target_min),
      targetMax: numOrNull(r.target_max),
      actual: actual[r.metric] ?? null,
      source: r.source,
    })),
  };
}

export async function upsertTarget(
  db: Kysely<Database>,
  year: number,
  metric: string,
  t: TargetPut,
): Promise<boolean> {
  const existing = await db
    .selectFrom('plan_targets')
    .select('id')
    .where('year', '=', year)
    .where('metric', '=', metric)
    .executeTakeFirst();
  const values = {
    plan: t.plan.trim(),
    target_min: t.targetMin,
    target_max: t.targetMax ?? null,
    unit: t.unit ?? 'count',
    label_vi: t.labelVi.trim(),
    label_en: t.labelEn.trim(),
    source: t.source ?? null,
  };
  if (existing) {
    await db.updateTable('plan_targets').set(values).where('id', '=', existing.id).execute();
    return false;
  }
  await db
    .insertInto('plan_targets')
    .values({ ...values, year, metric })
    .execute();
  return true;
}
