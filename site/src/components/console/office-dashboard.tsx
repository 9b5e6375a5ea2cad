/**
 * The office dashboard: totals, charts drawn by the API as SVG (GET /api/v1/dashboard/charts/…,
 * shown as images with their numbers as tables beside them), certificates expiring within 30 and
 * 90 days, and progress against the year's targets (plan targets are data).
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { formatNumber } from '../../lib/i18n.ts';
import { CONSOLE, type Lang } from '../../lib/console-i18n.ts';
import { AuthImage, Bar, Field, Message, Show, Stars, Table, formatDate, useAction, useApi } from './ui.tsx';
import { call } from '../../lib/console.ts';

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

export function DashboardView(props: { lang: Lang; admin: boolean }): JSX.Element {
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
              {props.admin && (
                <TargetForm lang={props.lang} year={year} current={d.targets} onSaved={reload} />
              )}
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

/** The metrics the registry measures, with the plan's wording (Kế hoạch 69/KH-UBND, II). */
const MEASURED: Record<string, { vi: string; en: string }> = {
  new_certified_3_5: { vi: 'Sản phẩm đạt OCOP 3–5 sao mới', en: 'New 3–5★ OCOP products' },
  new_4_star_province: {
    vi: 'Sản phẩm được UBND tỉnh công nhận 4 sao',
    en: '4★ products certified by the province',
  },
  new_5_star: { vi: 'Sản phẩm đạt 5 sao cấp Trung ương', en: 'National 5★ products' },
};

/** Set one target of the year shown (admin): targets are data, one row per year and metric. */
function TargetForm(props: {
  lang: Lang;
  year: number;
  current: Dashboard['targets'];
  onSaved: () => void;
}): JSX.Element {
  const t = CONSOLE[props.lang];
  const [metric, setMetric] = useState('new_certified_3_5');
  const [min, setMin] = useState('');
  const [max, setMax] = useState('');
  const [plan, setPlan] = useState(props.current.items[0]?.plan ?? '');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const label = MEASURED[metric] ?? { vi: metric, en: metric };
    const ok = await action.run(
      () =>
        call('PUT', `/api/v1/targets/${props.year}/${metric}`, {
          body: {
            plan: plan.trim(),
            targetMin: Number(min),
            ...(max ? { targetMax: Number(max) } : {}),
            labelVi: label.vi,
            labelEn: label.en,
          },
        }),
      t.done,
      props.lang,
    );
    if (ok) props.onSaved();
  };
  return (
    <details>
      <summary>{t.setTarget(props.year)}</summary>
      <form class="form-grid" onSubmit={(e) => void submit(e)}>
        <Field id="tg-metric" label={t.target}>
          <select id="tg-metric" value={metric} onChange={(e) => setMetric(e.currentTarget.value)}>
            {Object.entries(MEASURED).map(([k, v]) => (
              <option key={k} value={k}>
                {v[props.lang]}
              </option>
            ))}
          </select>
        </Field>
        <Field id="tg-plan" label={t.plan}>
          <input
            id="tg-plan"
            type="text"
            required
            maxLength={200}
            value={plan}
            onInput={(e) => setPlan(e.currentTarget.value)}
          />
        </Field>
        <Field id="tg-min" label={t.targetMin}>
          <input
            id="tg-min"
            type="number"
            required
            min={0}
            step="any"
            value={min}
            onInput={(e) => setMin(e.currentTarget.value)}
          />
        </Field>
        <Field id="tg-max" label={`${t.targetMax} ${t.optional}`}>
          <input
            id="tg-max"
            type="number"
            min={0}
            step="any"
            value={max}
            onInput={(e) => setMax(e.currentTarget.value)}
          />
        </Field>
        <div class="full">
          <button type="submit" class="button secondary" disabled={action.busy}>
            {t.save}
          </button>
          <Message message={action.message} />
        </div>
      </form>
    </details>
  );
}
