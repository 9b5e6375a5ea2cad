/**
 * The office dashboard: totals, charts drawn by the API as SVG (GET /api/v1/dashboard/charts/…,
 * shown as images with their numbers as tables beside them), certificates expiring within 30 and
 * 90 days, and progress against the year's targets (plan targets are data).
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { formatNumber } from '../../lib/i18n.ts';
import { CONSOLE, type Lang } from '../../lib/console-i18n.ts';
import { AuthImage, Bar, Field, Show, Stars, Table, formatDate, useApi } from './ui.tsx';

export interface Dashboard {
  today: string;
  totals: Record<string, number>;
  byStars: { stars: number; products: number }[];
  byGroup: { code: string; nameVi: string; nameEn: string; products: number }[];
  byArea: { id: string; name: string; products: number }[];
  expiring: {
    within30: number;
    within90: number;
    items: {
      certificateId: string;
      productId: string;
      productName: string;
      producerName: string;
      stars: number;
      decisionNo: string;
      validTo: string;
      daysLeft: number;
    }[];
  };
  scansPerDay: { day: string; scans: number; genuine: number; problems: number }[];
  signalsByArea: { area: string; suspectedCopies: number; reports: number; findings: number }[];
  targets: {
    year: number;
    requestedYear: number;
    years: number[];
    items: {
      id: string;
      plan: string;
      metric: string;
      labelVi: string;
      labelEn: string;
      unit: 'count' | 'percent';
      targetMin: number;
      targetMax: number | null;
      actual: number | null;
    }[];
  };
}

function Chart(props: {
  lang: Lang;
  name: string;
  year: number;
  title: string;
  children: JSX.Element;
}): JSX.Element {
  const t = CONSOLE[props.lang];
  return (
    <figure class="chart panel">
      <figcaption>
        <h3>{props.title}</h3>
      </figcaption>
      <AuthImage
        path={`/api/v1/dashboard/charts/${props.name}?lang=${props.lang}&year=${props.year}`}
        alt={`${props.title}. ${props.lang === 'vi' ? 'Số liệu ở bảng ngay dưới.' : 'The numbers are in the table below.'}`}
      />
      <details>
        <summary>{t.showTable}</summary>
        {props.children}
      </details>
    </figure>
  );
}

export function DashboardView(props: { lang: Lang }): JSX.Element {
  const t = CONSOLE[props.lang];
  const thisYear = Number(new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 4));
  const [year, setYear] = useState(thisYear);
  const [data, reload] = useApi<Dashboard>(`/api/v1/dashboard?year=${year}`);
  const target = (min: number, max: number | null, unit: string) =>
    `${formatNumber(min, props.lang)}${max !== null ? `–${formatNumber(max, props.lang)}` : ''}${unit === 'percent' ? '%' : ''}`;
  return (
    <section aria-labelledby="dash-title">
      <h2 id="dash-title">{t.tabDashboard}</h2>
      <Show lang={props.lang} loaded={data} retry={reload}>
        {(d) => (
          <>
            <ul class="kpis" data-testid="kpis">
              {Object.entries(d.totals).map(([k, v]) => (
                <li key={k} data-kpi={k}>
                  <span class="value">{formatNumber(v, props.lang)}</span>
                  <span class="label">{t.totals[k] ?? k}</span>
                </li>
              ))}
            </ul>
            <div class="charts">
              <Chart lang={props.lang} name="stars" year={year} title={t.chartStars}>
                <Table head={[t.certStars, t.totals.products ?? '']}>
                  {d.byStars.map((s) => (
                    <tr key={s.stars}>
                      <td>
                        <Stars n={s.stars} lang={props.lang} />
                      </td>
                      <td class="num">{s.products}</td>
                    </tr>
                  ))}
                </Table>
              </Chart>
              <Chart lang={props.lang} name="groups" year={year} title={t.chartGroups}>
                <Table head={[t.group, t.totals.products ?? '']}>
                  {d.byGroup.map((g) => (
                    <tr key={g.code}>
                      <td>{props.lang === 'vi' ? g.nameVi : g.nameEn}</td>
                      <td class="num">{g.products}</td>
                    </tr>
                  ))}
                </Table>
              </Chart>
              <Chart lang={props.lang} name="areas" year={year} title={t.chartAreas}>
                <Table head={[t.area, t.totals.products ?? '']}>
                  {d.byArea.map((a) => (
                    <tr key={a.id}>
                      <td>{a.name}</td>
                      <td class="num">{a.products}</td>
                    </tr>
                  ))}
                </Table>
              </Chart>
              <Chart lang={props.lang} name="expiring" year={year} title={t.chartExpiring}>
                <Table head={['', t.total]}>
                  <tr>
                    <td>30</td>
                    <td class="num" data-expiring-30={d.expiring.within30}>
                      {d.expiring.within30}
                    </td>
                  </tr>
                  <tr>
                    <td>90</td>
                    <td class="num">{d.expiring.within90}</td>
                  </tr>
                </Table>
              </Chart>
              <Chart lang={props.lang} name="scans" year={year} title={t.chartScans}>
                <Table head={[t.when, t.scansCol, CONSOLE[props.lang].problem]}>
                  {d.scansPerDay
                    .filter((s) => s.scans > 0)
                    .map((s) => (
                      <tr key={s.day}>
                        <td>{formatDate(s.day)}</td>
                        <td class="num">{s.scans}</td>
                        <td class="num">{s.problems}</td>
                      </tr>
                    ))}
                </Table>
              </Chart>
              <Chart lang={props.lang} name="signals" year={year} title={t.chartSignals}>
                <Table head={[t.area, t.signalCodes, t.reportsLinked, t.findingsLinked]}>
                  {d.signalsByArea.map((s) => (
                    <tr key={s.area}>
                      <td>{s.area || t.none}</td>
                      <td class="num">{s.suspectedCopies}</td>
                      <td class="num">{s.reports}</td>
                      <td class="num">{s.findings}</td>
                    </tr>
                  ))}
                </Table>
              </Chart>
            </div>

            <section class="panel" aria-labelledby="targets-title">
              <h3 id="targets-title">{t.targetsOf(d.targets.year, d.targets.items[0]?.plan ?? '')}</h3>
              <Field id="year" label={t.year}>
                <select
                  id="year"
                  value={String(year)}
                  onChange={(e) => setYear(Number(e.currentTarget.value))}
                >
                  {[...new Set([...d.targets.years, thisYear])].sort().map((y) => (
                    <option key={y} value={y}>
                      {y}
                    </option>
                  ))}
                </select>
              </Field>
              {d.targets.year !== d.targets.requestedYear && (
                <p class="hint">{t.targetsFallback(d.targets.year, d.targets.requestedYear)}</p>
              )}
              <AuthImage
                path={`/api/v1/dashboard/charts/targets?lang=${props.lang}&year=${year}`}
                alt={t.chartTargets}
                class="chart-img"
              />
              <Table head={[t.target, '', t.actual, '']}>
                {d.targets.items.map((i) => (
                  <tr key={i.id} data-metric={i.metric}>
                    <td>{props.lang === 'vi' ? i.labelVi : i.labelEn}</td>
                    <td class="num">{target(i.targetMin, i.targetMax, i.unit)}</td>
                    <td class="num">
                      {i.actual === null ? t.notMeasured : formatNumber(i.actual, props.lang)}
                    </td>
                    <td>
                      {i.actual !== null && (
                        <Bar
                          value={i.actual}
                          max={i.targetMax ?? i.targetMin}
                          label={props.lang === 'vi' ? i.labelVi : i.labelEn}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </Table>
            </section>

            <section class="panel" aria-labelledby="expiring-title">
              <h3 id="expiring-title">{t.expiringList}</h3>
              <Table head={[t.product, t.producer, t.certStars, t.decision, t.validTo, '']}>
                {d.expiring.items.map((e) => (
                  <tr key={e.certificateId}>
                    <td>{e.productName}</td>
                    <td>{e.producerName}</td>
                    <td>
                      <Stars n={e.stars} lang={props.lang} />
                    </td>
                    <td>{e.decisionNo}</td>
                    <td>{formatDate(e.validTo)}</td>
                    <td>
                      <span class={`badge ${e.daysLeft <= 30 ? 'bad' : 'caution'}`}>
                        {t.daysLeft(e.daysLeft)}
                      </span>
                    </td>
                  </tr>
                ))}
              </Table>
            </section>
          </>
        )}
      </Show>
    </section>
  );
}
