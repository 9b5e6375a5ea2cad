import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { todayInVietnam } from '@ocop/domain';
import { withActor } from '@ocop/db';
import { currentUser } from '../../plugins/auth.ts';
import { AppError } from '../../errors.ts';
import { bearer, errors, named } from '../route-helpers.ts';
import { scopeOf } from '../scope.ts';
import { COLORS, barChart, columnChart, groupedBars, progressChart } from './charts.ts';
import { dashboard, targetsProgress, upsertTarget } from './queries.ts';
import {
  ChartParams,
  ChartQuery,
  Dashboard,
  DashboardQuery,
  Svg,
  TargetParams,
  TargetPut,
  Targets,
  TargetsQuery,
} from './schemas.ts';

const OFFICE = ['admin', 'officer'] as const;

const TEXT = {
  vi: {
    stars: 'Sản phẩm OCOP còn hiệu lực theo số sao',
    starsDesc: (n: number) => `${n} sản phẩm có giấy chứng nhận còn hiệu lực, chia theo hạng sao.`,
    star: (s: number) => `${s} sao`,
    groups: 'Sản phẩm OCOP còn hiệu lực theo nhóm ngành hàng',
    areas: 'Sản phẩm OCOP còn hiệu lực theo địa bàn',
    expiring: 'Giấy chứng nhận sắp hết hiệu lực',
    within30: 'Trong 30 ngày',
    within90: 'Trong 90 ngày',
    scans: 'Lượt quét mã 30 ngày qua',
    genuine: 'Hợp lệ',
    problems: 'Có cảnh báo',
    signals: 'Nghi sao chép và báo cáo hàng giả theo địa bàn',
    copies: 'Quét nghi sao chép',
    reports: 'Báo cáo của người dân',
    findings: 'Phát hiện của QLTT',
    targets: (y: number) => `Tiến độ chỉ tiêu năm ${y}`,
    notMeasured: 'chưa đo',
    empty: 'Chưa có dữ liệu.',
    unknownArea: 'Không rõ địa bàn',
    desc: 'Số liệu giống bảng ngay dưới biểu đồ.',
  },
  en: {
    stars: 'OCOP products in force by stars',
    starsDesc: (n: number) => `${n} products with a certificate in force, by star rating.`,
    star: (s: number) => `${s} stars`,
    groups: 'OCOP products in force by product group',
    areas: 'OCOP products in force by area',
    expiring: 'Certificates expiring soon',
    within30: 'Within 30 days',
    within90: 'Within 90 days',
    scans: 'Code scans in the last 30 days',
    genuine: 'Genuine',
    problems: 'With a warning',
    signals: 'Suspected copies and counterfeit reports by area',
    copies: 'Suspected-copy scans',
    reports: 'Consumer reports',
    findings: 'Inspector findings',
    targets: (y: number) => `Progress against the ${y} targets`,
    notMeasured: 'not measured',
    empty: 'No data yet.',
    unknownArea: 'Area unknown',
    desc: 'The same numbers are in the table below the chart.',
  },
};

/** dd/mm of an ISO day, for chart ticks. */
const dayMonth = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}`;

/**
 * The office dashboard and its charts, drawn on the server as SVG (issue 7 §3), and the year's
 * targets as data (Kế hoạch 69/KH-UBND seeds 2024; the admin sets other years).
 */
const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const currentYear = () => Number(todayInVietnam(new Date()).slice(0, 4));

  app.get(
    '/api/v1/dashboard',
    {
      config: { access: [...OFFICE] },
      schema: {
        tags: ['dashboard'],
        operationId: 'getDashboard',
        summary:
          'Certified products by stars, group and area; certificates expiring within 30 and 90 days; scans per day; counterfeit signals by area; progress against the year’s targets',
        security: bearer,
        querystring: DashboardQuery,
        response: { 200: named(Dashboard), ...errors(400, 401, 403) },
      },
    },
    async (request) =>
      dashboard(
        app.db,
        scopeOf(currentUser(request)),
        todayInVietnam(new Date()),
        request.query.year ?? currentYear(),
      ),
  );

  app.get(
    '/api/v1/dashboard/charts/:chart',
    {
      config: { access: [...OFFICE] },
      schema: {
        tags: ['dashboard'],
        operationId: 'getDashboardChart',
        summary: 'One dashboard chart as SVG (server-rendered, no script, accessible title and description)',
        security: bearer,
        params: ChartParams,
        querystring: ChartQuery,
        produces: ['image/svg+xml'],
        response: { 200: Svg, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const lang = request.query.lang ?? 'vi';
      const t = TEXT[lang];
      const d = await dashboard(
        app.db,
        scopeOf(currentUser(request)),
        todayInVietnam(new Date()),
        request.query.year ?? currentYear(),
      );
      let body: string;
      switch (request.params.chart) {
        case 'stars':
          body = barChart({
            title: t.stars,
            desc: t.starsDesc(d.totals.certifiedProducts),
            bars: d.byStars.map((s) => ({
              label: t.star(s.stars),
              value: s.products,
              color: s.stars === 5 ? COLORS.brand : s.stars === 4 ? COLORS.blue : COLORS.caution,
            })),
            lang,
            empty: t.empty,
          });
          break;
        case 'groups':
          body = barChart({
            title: t.groups,
            desc: t.desc,
            bars: d.byGroup.map((g) => ({ label: lang === 'vi' ? g.nameVi : g.nameEn, value: g.products })),
            lang,
            empty: t.empty,
          });
          break;
        case 'areas':
          body = barChart({
            title: t.areas,
            desc: t.desc,
            bars: d.byArea.map((a) => ({ label: a.name, value: a.products, color: COLORS.blue })),
            lang,
            empty: t.empty,
          });
          break;
        case 'expiring':
          body = barChart({
            title: t.expiring,
            desc: t.desc,
            bars: [
              { label: t.within30, value: d.expiring.within30, color: COLORS.bad },
              { label: t.within90, value: d.expiring.within90, color: COLORS.caution },
            ],
            lang,
            empty: t.empty,
          });
          break;
        case 'scans':
          body = columnChart({
            title: t.scans,
            desc: t.desc,
            labels: d.scansPerDay.map((s) => dayMonth(s.day)),
            series: [
              { name: t.genuine, color: COLORS.brand, values: d.scansPerDay.map((s) => s.genuine) },
              { name: t.problems, color: COLORS.bad, values: d.scansPerDay.map((s) => s.problems) },
            ],
            lang,
          });
          break;
        case 'signals':
          body = groupedBars({
            title: t.signals,
            desc: t.desc,
            labels: d.signalsByArea.map((s) => s.area || t.unknownArea),
            series: [
              { name: t.copies, color: COLORS.bad, values: d.signalsByArea.map((s) => s.suspectedCopies) },
              { name: t.reports, color: COLORS.caution, values: d.signalsByArea.map((s) => s.reports) },
              { name: t.findings, color: COLORS.blue, values: d.signalsByArea.map((s) => s.findings) },
            ],
            lang,
            empty: t.empty,
          });
          break;
        case 'targets':
          body = progressChart({
            title: t.targets(d.targets.year),
            desc: t.desc,
            items: d.targets.items.map((i) => ({
              label: lang === 'vi' ? i.labelVi : i.labelEn,
              actual: i.actual,
              min: i.targetMin,
              max: i.targetMax,
              unit: i.unit,
            })),
            lang,
            notMeasured: t.notMeasured,
            empty: t.empty,
          });
          break;
      }
      return reply.type('image/svg+xml; charset=utf-8').send(body);
    },
  );

  app.get(
    '/api/v1/targets',
    {
      config: { access: [...OFFICE] },
      schema: {
        tags: ['dashboard'],
        operationId: 'listTargets',
        summary:
          "The year's targets (data, e.g. Kế hoạch 69/KH-UBND) with what the registry measures of them",
        security: bearer,
        querystring: TargetsQuery,
        response: { 200: named(Targets), ...errors(400, 401, 403) },
      },
    },
    async (request) =>
      targetsProgress(app.db, scopeOf(currentUser(request)), request.query.year ?? currentYear()),
  );

  app.put(
    '/api/v1/targets/:year/:metric',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['dashboard'],
        operationId: 'putTarget',
        summary: 'Set one target of a year (201 when new, 200 when changed)',
        description:
          'Measured metrics: new_certified_3_5 (first certificates of 3–5★ decided in the year), new_4_star_province, new_5_star. Other metrics are shown with their target only.',
        security: bearer,
        params: TargetParams,
        body: TargetPut,
        response: { 200: named(Targets), 201: named(Targets), ...errors(400, 401, 403, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const { year, metric } = request.params;
      const b = request.body;
      if (b.targetMax !== undefined && b.targetMax !== null && b.targetMax < b.targetMin) {
        throw new AppError('unprocessable', 'targetMax must not be below targetMin.');
      }
      const created = await withActor(app.db, user.id, (trx) =>
        upsertTarget(trx, year, metric, request.body),
      );
      return reply.code(created ? 201 : 200).send(await targetsProgress(app.db, scopeOf(user), year));
    },
  );
};

export default dashboardRoutes;
