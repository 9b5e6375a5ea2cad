/**
 * The producer's console (/producer): my products and certificates with their re-evaluation dates
 * (a warning from 30 days before expiry, Decision 148/QĐ-TTg), batches with zones and value-chain
 * events, codes, labels in any layout, recall, and the scans of my batches.
 */
import { render, type JSX } from 'preact';
import { useState } from 'preact/hooks';
import { addDays } from '@ocop/domain/dates';
import { CERT_STATUS, EVENT_TYPE, ZONE_SCHEME, formatNumber } from '../../lib/i18n.ts';
import { CONSOLE, LABEL_FORMAT, SIGNAL, type Lang } from '../../lib/console-i18n.ts';
import {
  getBlob,
  newId,
  post,
  requireSession,
  saveBlob,
  type Batch,
  type BatchAnalytics,
  type BatchCodes,
  type BatchSummary,
  type IssueResult,
  type Page,
  type ProductRow,
  type Renewal,
  type Session,
  type Zone,
} from '../../lib/console.ts';
import {
  AuthImage,
  Bar,
  Field,
  Message,
  Notice,
  Shell,
  Show,
  Stars,
  Table,
  formatDate,
  formatDateTime,
  useAction,
  useApi,
  useFocusOnShow,
  useHashTab,
} from './ui.tsx';
import { DIRECT_MAX_LABELS, JOB_MAX_LABELS, LabelJobPanel, type LabelJobParams } from './label-jobs.tsx';

const ROLES = ['producer', 'admin'] as const;

/** Days from today (Vietnam) to an ISO date. */
function daysUntil(date: string): number {
  const now = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
  return Math.round((Date.parse(date) - Date.parse(now)) / 86_400_000);
}

function CertificateCell(props: { p: ProductRow; lang: Lang }): JSX.Element {
  const t = CONSOLE[props.lang];
  const c = props.p.certificate;
  if (!c) return <span class="muted">{t.noCertificate}</span>;
  const left = daysUntil(c.validTo);
  const status = CERT_STATUS[c.state]?.[props.lang] ?? c.state;
  if (c.state === 'valid' && left <= 30) {
    return (
      <div>
        <span class="badge caution">{status}</span>
        <p class="renewal-warning" data-renewal-due="true">
          {t.renewalDue(formatDate(c.validTo), t.daysLeft(left))}
        </p>
      </div>
    );
  }
  if (c.state === 'expired') {
    return (
      <div>
        <span class="badge bad">{status}</span>
        <p>{t.expiredAdvice}</p>
      </div>
    );
  }
  if (c.state === 'revoked') {
    return (
      <div>
        <span class="badge bad">{status}</span>
        <p>{t.revokedAdvice}</p>
      </div>
    );
  }
  return (
    <div>
      <span class={`badge ${c.state === 'valid' ? 'good' : 'neutral'}`}>{status}</span>
      {c.state === 'valid' && <p class="hint">{t.renewalSoon(formatDate(addDays(c.validTo, -30)))}</p>}
    </div>
  );
}

function Products(props: { lang: Lang; session: Session }): JSX.Element {
  const t = CONSOLE[props.lang];
  const producer = props.session.user.producerId;
  const [products, reload] = useApi<Page<ProductRow>>(
    `/api/v1/products?limit=100${producer ? `&producer=${producer}` : ''}`,
  );
  const [renewals] = useApi<{ items: Renewal[] }>('/api/v1/certificates/renewals?withinDays=30');
  return (
    <section aria-labelledby="products-title">
      <h2 id="products-title">{t.tabProducts}</h2>
      {renewals.state === 'ok' && renewals.data.items.length > 0 && (
        <Notice kind="warn">
          <p>
            <strong>{t.renewalsBanner(renewals.data.items.length)}</strong>
          </p>
          <ul>
            {renewals.data.items.map((r) => (
              <li key={r.certificate.id}>
                {r.product.nameVi}:{' '}
                {t.renewalDue(formatDate(r.certificate.validTo), t.daysLeft(r.certificate.daysUntilExpiry))}
              </li>
            ))}
          </ul>
        </Notice>
      )}
      <Show lang={props.lang} loaded={products} retry={reload}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{t.noProducts}</p>
          ) : (
            <Table head={[t.product, t.group, t.certStars, t.decision, t.validTo, t.status]}>
              {page.items.map((p) => (
                <tr key={p.id} data-product-id={p.id}>
                  <td>
                    <strong>{props.lang === 'en' && p.nameEn ? p.nameEn : p.nameVi}</strong>
                    {p.gtin && <div class="hint mono">GTIN {p.gtin}</div>}
                  </td>
                  <td>
                    {p.group ? (props.lang === 'vi' ? p.group.nameVi : p.group.nameEn) : p.categoryCode}
                  </td>
                  <td>{p.certificate ? <Stars n={p.certificate.stars} lang={props.lang} /> : t.none}</td>
                  <td>
                    {p.certificate ? (
                      <>
                        {p.certificate.decisionNo}
                        <div class="hint">{formatDate(p.certificate.decisionDate)}</div>
                      </>
                    ) : (
                      t.none
                    )}
                  </td>
                  <td>{p.certificate ? formatDate(p.certificate.validTo) : t.none}</td>
                  <td>
                    <CertificateCell p={p} lang={props.lang} />
                  </td>
                </tr>
              ))}
            </Table>
          )
        }
      </Show>
    </section>
  );
}

function Batches(props: {
  lang: Lang;
  selected: string | null;
  onSelect: (id: string | null) => void;
}): JSX.Element {
  const t = CONSOLE[props.lang];
  const [batches, reload] = useApi<Page<BatchSummary>>('/api/v1/batches?limit=100');
  return (
    <section aria-labelledby="batches-title">
      <h2 id="batches-title">{t.tabBatches}</h2>
      <div class={props.selected ? 'split wide-left' : ''}>
        <div>
          <Show lang={props.lang} loaded={batches} retry={reload}>
            {(page) =>
              page.items.length === 0 ? (
                <p>{t.noBatches}</p>
              ) : (
                <Table
                  head={
                    props.selected
                      ? [t.lot, t.product, t.status, '']
                      : [t.lot, t.product, t.producedOn, t.bestBefore, t.quantity, t.status, '']
                  }
                >
                  {page.items.map((b) => (
                    <tr key={b.id} class={props.selected === b.id ? 'selected' : ''} data-batch-id={b.id}>
                      <td class="mono nowrap">{b.lot}</td>
                      <td>
                        {b.productName}
                        {props.selected && <div class="hint">{formatDate(b.producedOn)}</div>}
                      </td>
                      {!props.selected && (
                        <>
                          <td>{formatDate(b.producedOn)}</td>
                          <td>{formatDate(b.bestBefore)}</td>
                          <td class="num">
                            {formatNumber(b.quantity, props.lang)} {b.unit}
                          </td>
                        </>
                      )}
                      <td>
                        <span class={`badge ${b.status === 'recalled' ? 'bad' : 'good'}`}>
                          {t.batchStatus[b.status] ?? b.status}
                        </span>
                      </td>
                      <td>
                        <button
                          type="button"
                          class="button secondary small"
                          aria-pressed={props.selected === b.id}
                          aria-label={`${t.open} ${b.lot}`}
                          onClick={() => props.onSelect(b.id)}
                        >
                          {t.open}
                        </button>
                      </td>
                    </tr>
                  ))}
                </Table>
              )
            }
          </Show>
        </div>
        {props.selected && (
          <BatchDetail
            key={props.selected}
            lang={props.lang}
            id={props.selected}
            onChanged={reload}
            onClose={() => props.onSelect(null)}
          />
        )}
      </div>
    </section>
  );
}

function BatchDetail(props: {
  lang: Lang;
  id: string;
  onChanged: () => void;
  onClose: () => void;
}): JSX.Element {
  const t = CONSOLE[props.lang];
  const [batch, reloadBatch] = useApi<Batch>(`/api/v1/batches/${props.id}`);
  const focusTitle = useFocusOnShow<HTMLHeadingElement>(props.id);
  return (
    <div class="panel" aria-labelledby="batch-detail-title">
      <Show lang={props.lang} loaded={batch} retry={reloadBatch}>
        {(b) => (
          <>
            <h3 id="batch-detail-title" tabIndex={-1} ref={focusTitle}>
              {b.productName} · <span class="mono">{b.lot}</span>
            </h3>
            <p>
              <button type="button" class="button ghost small" onClick={props.onClose}>
                {t.close}
              </button>
            </p>
            {b.recall && (
              <Notice kind="error">
                {t.recalled(formatDateTime(b.recall.recalledAt, props.lang), b.recall.reason)}
              </Notice>
            )}
            <dl class="facts">
              <dt>{t.producedOn}</dt>
              <dd>{formatDate(b.producedOn)}</dd>
              <dt>{t.bestBefore}</dt>
              <dd>{formatDate(b.bestBefore)}</dd>
              <dt>{t.quantity}</dt>
              <dd>
                {formatNumber(b.quantity, props.lang)} {b.unit}
              </dd>
            </dl>
            <h4>{t.zones}</h4>
            {b.zones.length === 0 ? (
              <p class="muted">{t.none}</p>
            ) : (
              <ul>
                {b.zones.map((z) => (
                  <li key={z.zoneId}>
                    <span class="mono">{z.code}</span> — {ZONE_SCHEME[z.scheme]?.[props.lang] ?? z.scheme}
                    {z.name ? `, ${z.name}` : ''} ({z.cropOrSpecies})
                  </li>
                ))}
              </ul>
            )}
            <h4>{t.events}</h4>
            {b.events.length === 0 ? (
              <p class="muted">{t.noEvents}</p>
            ) : (
              <ol class="timeline">
                {b.events.map((e) => (
                  <li key={e.id}>
                    <strong>{EVENT_TYPE[e.type]?.[props.lang] ?? e.type}</strong>
                    <time dateTime={e.occurredAt}>{formatDateTime(e.occurredAt, props.lang)}</time>
                    {[e.place, e.actor, e.note].filter(Boolean).join(' · ')}
                  </li>
                ))}
              </ol>
            )}
            <Codes lang={props.lang} batch={b} />
            <BatchScans lang={props.lang} id={b.id} />
            {b.status === 'active' && (
              <Recall
                lang={props.lang}
                id={b.id}
                onDone={() => {
                  reloadBatch();
                  props.onChanged();
                  // The recall form goes once the batch reads recalled: the title, with the recall
                  // notice under it, takes the focus instead of the page's body.
                  document.getElementById('batch-detail-title')?.focus();
                }}
              />
            )}
          </>
        )}
      </Show>
    </div>
  );
}

function Codes(props: { lang: Lang; batch: Batch }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [codes, reload] = useApi<BatchCodes>(`/api/v1/batches/${props.batch.id}/codes`);
  const [serials, setSerials] = useState('10');
  const action = useAction();
  const [lastUrls, setLastUrls] = useState<string[] | null>(null);

  const issue = async (e: Event) => {
    e.preventDefault();
    const n = Math.max(0, Math.min(100_000, Math.floor(Number(serials) || 0)));
    const key = newId();
    const data = await action.run(
      () =>
        post<IssueResult>(
          `/api/v1/batches/${props.batch.id}/codes`,
          { serials: n },
          { headers: { 'idempotency-key': key }, timeoutMs: 120_000 },
        ),
      (r) => t.issued(r.units?.job.total ?? 0),
      props.lang,
    );
    if (data) {
      setLastUrls(data.units?.urls ?? null);
      reload();
    }
  };

  const downloadCsv = async (path: string) => {
    const res = await getBlob(
      path.includes('format=') ? path : `${path}${path.includes('?') ? '&' : '?'}format=csv`,
    );
    if (res.ok) saveBlob(res.data, `ma-qr-${props.batch.lot}.csv`);
  };

  return (
    <div class="section" aria-labelledby="codes-title">
      <h4 id="codes-title">{t.codes}</h4>
      <Show lang={props.lang} loaded={codes} retry={reload}>
        {(c) => (
          <>
            {c.batchCode ? (
              <dl class="facts">
                <dt>{t.batchCode}</dt>
                <dd class="code-url" data-batch-code={c.batchCode.url}>
                  {c.batchCode.url}
                </dd>
                <dt>{t.unitCodes}</dt>
                <dd data-unit-codes={c.unitCodes}>{formatNumber(c.unitCodes, props.lang)}</dd>
              </dl>
            ) : (
              <p class="muted">{t.noCodes}</p>
            )}
            {c.jobs
              .filter((j) => j.status === 'running')
              .map((j) => (
                <p key={j.id} role="status">
                  {t.jobProgress(j.done, j.total)}{' '}
                  <Bar value={j.done} max={j.total} label={t.jobProgress(j.done, j.total)} />
                </p>
              ))}
            {c.unitCodes > 0 && (
              <p>
                <button type="button" class="button secondary small" onClick={() => void downloadCsv(c.csv)}>
                  {t.downloadCodesCsv}
                </button>
              </p>
            )}
          </>
        )}
      </Show>
      {props.batch.status === 'active' && (
        <form onSubmit={(e) => void issue(e)} class="inline-form">
          <Field id="serials" label={t.serials}>
            <input
              id="serials"
              type="number"
              min={0}
              max={100000}
              step={1}
              inputMode="numeric"
              value={serials}
              onInput={(e) => setSerials(e.currentTarget.value)}
            />
          </Field>
          <button class="button" type="submit" disabled={action.busy} id="issue-codes">
            {action.busy ? t.issuing : t.issueCodes}
          </button>
        </form>
      )}
      <Message message={action.message} />
      {lastUrls && lastUrls.length > 0 && (
        <details>
          <summary>{t.unitCodes}</summary>
          <ul class="code-list">
            {lastUrls.slice(0, 50).map((u) => (
              <li key={u} class="code-url">
                {u}
              </li>
            ))}
          </ul>
        </details>
      )}
      {codes.state === 'ok' && codes.data.batchCode && (
        <Labels lang={props.lang} batch={props.batch} units={codes.data.unitCodes} />
      )}
    </div>
  );
}

interface LayoutOption {
  id: string;
  title: Record<Lang, string>;
  kind?: string;
  defaultDpi?: number;
}

/** An A4 sheet preset: `n` labels of `w` × `h` mm in `grid` (decimal comma in Vietnamese). */
function sheet(id: string, n: number, w: number, h: number, grid: string): LayoutOption {
  const mm = (lang: Lang) => [w, h].map((x) => (lang === 'vi' ? String(x).replace('.', ',') : x)).join(' × ');
  return {
    id,
    title: { vi: `A4, ${n} nhãn ${mm('vi')} mm (${grid})`, en: `A4, ${n} labels ${mm('en')} mm (${grid})` },
    kind: 'sheet',
    defaultDpi: 300,
  };
}

/** A thermal roll preset of `w` × `h` mm. */
function roll(w: number, h: number, defaultDpi: number): LayoutOption {
  const size = `${w} × ${h} mm`;
  return {
    id: `roll-${w}x${h}`,
    title: { vi: `Cuộn nhiệt ${size}`, en: `Thermal roll ${size}` },
    kind: 'roll',
    defaultDpi,
  };
}

/** The presets of api/src/labels/layouts.ts (GET …/labels takes their ids, or custom-{w}x{h}). */
const LAYOUTS: LayoutOption[] = [
  sheet('a4-40-52x30', 40, 52.5, 29.7, '4 × 10'),
  sheet('a4-65-38x21', 65, 38, 21.2, '5 × 13, Tomy 145'),
  sheet('a4-24-64x34', 24, 64, 33.8, '3 × 8'),
  roll(50, 30, 203),
  roll(40, 30, 203),
  roll(35, 22, 300),
  roll(50, 40, 203),
];

function Labels(props: { lang: Lang; batch: Batch; units: number }): JSX.Element {
  const t = CONSOLE[props.lang];
  const layouts = LAYOUTS;
  const [copies, setCopies] = useState('1');
  const [format, setFormat] = useState<'pdf' | 'png' | 'svg'>('pdf');
  const [layout, setLayout] = useState('a4-40-52x30');
  const [customW, setCustomW] = useState('60');
  const [customH, setCustomH] = useState('40');
  const [dpi, setDpi] = useState('');
  const [which, setWhich] = useState<'batch' | 'units'>(props.units > 0 ? 'units' : 'batch');
  const [preview, setPreview] = useState<string | null>(null);
  const action = useAction();

  const layoutId = layout === 'custom' ? `custom-${customW}x${customH}` : layout;
  /** One file of every label asked for; `preview` asks for the first label only, as SVG. */
  const query = (fmt: string, preview = false) => {
    const q = new URLSearchParams({ format: fmt, layout: layoutId, codes: which });
    if (dpi && fmt !== 'svg') q.set('dpi', dpi);
    if (preview && which === 'units') {
      q.set('from', '1');
      q.set('to', '1');
    } else if (which === 'batch') {
      q.set(
        'copies',
        preview ? '1' : String(Math.max(1, Math.min(DIRECT_MAX_LABELS, Math.floor(Number(copies) || 1)))),
      );
    }
    return `/api/v1/batches/${props.batch.id}/labels?${q.toString()}`;
  };

  /** The labels asked for: every unit code, or the copies of the batch code. */
  const count = which === 'units' ? props.units : Math.max(1, Math.floor(Number(copies) || 1));
  /** Over the direct route's limit only a background job prints them. */
  const direct = count <= DIRECT_MAX_LABELS;
  const jobParams: LabelJobParams = {
    format,
    layout: layoutId,
    codes: which,
    ...(dpi && format !== 'svg' ? { dpi: Number(dpi) } : {}),
    ...(which === 'batch' ? { copies: Math.min(JOB_MAX_LABELS, count) } : {}),
  };

  const download = async () => {
    const data = await action.run(() => getBlob(query(format), 180_000), t.downloaded, props.lang);
    if (data)
      saveBlob(
        data,
        `tem-${props.batch.lot}-${layoutId}.${format === 'png' && data.type === 'application/zip' ? 'zip' : format}`,
      );
  };

  return (
    <fieldset class="labels">
      <legend>{t.labels}</legend>
      <div class="form-grid">
        <Field id="label-format" label={t.labelFormat}>
          <select
            id="label-format"
            value={format}
            onChange={(e) => setFormat(e.currentTarget.value as 'pdf')}
          >
            {(['pdf', 'png', 'svg'] as const).map((f) => (
              <option key={f} value={f}>
                {LABEL_FORMAT[f]?.[props.lang]}
              </option>
            ))}
          </select>
        </Field>
        <Field id="label-layout" label={t.labelLayout}>
          <select id="label-layout" value={layout} onChange={(e) => setLayout(e.currentTarget.value)}>
            {layouts.map((l) => (
              <option key={l.id} value={l.id}>
                {l.title[props.lang]}
              </option>
            ))}
            <option value="custom">{props.lang === 'vi' ? 'Khổ tùy chọn (mm)' : 'Custom size (mm)'}</option>
          </select>
        </Field>
        {layout === 'custom' && (
          <>
            <Field id="label-w" label={props.lang === 'vi' ? 'Rộng (mm)' : 'Width (mm)'}>
              <input
                id="label-w"
                type="number"
                min={15}
                max={150}
                value={customW}
                onInput={(e) => setCustomW(e.currentTarget.value)}
              />
            </Field>
            <Field id="label-h" label={props.lang === 'vi' ? 'Cao (mm)' : 'Height (mm)'}>
              <input
                id="label-h"
                type="number"
                min={15}
                max={150}
                value={customH}
                onInput={(e) => setCustomH(e.currentTarget.value)}
              />
            </Field>
          </>
        )}
        <Field id="label-dpi" label={t.labelDpi}>
          <select
            id="label-dpi"
            value={dpi}
            onChange={(e) => setDpi(e.currentTarget.value)}
            disabled={format === 'svg'}
          >
            <option value="">{props.lang === 'vi' ? 'Mặc định của khổ tem' : 'Layout default'}</option>
            <option value="203">203 dpi</option>
            <option value="300">300 dpi</option>
            <option value="600">600 dpi</option>
          </select>
        </Field>
        <Field id="label-which" label={t.labelWhich}>
          <select id="label-which" value={which} onChange={(e) => setWhich(e.currentTarget.value as 'batch')}>
            <option value="batch">{t.labelBatch}</option>
            <option value="units" disabled={props.units === 0}>
              {t.labelUnits} ({formatNumber(props.units, props.lang)})
            </option>
          </select>
        </Field>
        {which === 'batch' && (
          <Field id="label-copies" label={t.labelCopies}>
            <input
              id="label-copies"
              type="number"
              min={1}
              max={JOB_MAX_LABELS}
              inputMode="numeric"
              value={copies}
              onInput={(e) => setCopies(e.currentTarget.value)}
            />
          </Field>
        )}
      </div>
      <p class="actions">
        <button type="button" class="button secondary" onClick={() => setPreview(query('svg', true))}>
          {t.preview}
        </button>
        {direct && (
          <button
            type="button"
            class="button"
            id="download-labels"
            disabled={action.busy}
            onClick={() => void download()}
          >
            {action.busy ? t.downloading : t.downloadLabels}
          </button>
        )}
      </p>
      {!direct && (
        <p class="hint" id="labels-too-many">
          {t.labelsTooManyDirect(formatNumber(DIRECT_MAX_LABELS, props.lang))}
        </p>
      )}
      <Message message={action.message} />
      <LabelJobPanel
        lang={props.lang}
        batchId={props.batch.id}
        lot={props.batch.lot}
        params={jobParams}
        count={count}
      />
      {preview && (
        <div class="label-preview">
          <AuthImage
            key={preview}
            path={preview}
            alt={`${t.previewAlt}: ${props.batch.productName} ${props.batch.lot}`}
          />
        </div>
      )}
    </fieldset>
  );
}

function BatchScans(props: { lang: Lang; id: string }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [stats, reload] = useApi<BatchAnalytics>(`/api/v1/analytics/batches/${props.id}`);
  return (
    <details class="section">
      <summary>{t.scans}</summary>
      <Show lang={props.lang} loaded={stats} retry={reload}>
        {(a) =>
          a.scans.total === 0 ? (
            <p class="muted">{t.noScans}</p>
          ) : (
            <>
              <ul class="kpis">
                <li>
                  <span class="value">{formatNumber(a.scans.total, props.lang)}</span>
                  <span class="label">{t.scansTotal}</span>
                </li>
                <li>
                  <span class="value">
                    {a.codes.scanned}/{a.codes.batch + a.codes.units}
                  </span>
                  <span class="label">{t.codeScanned}</span>
                </li>
                <li>
                  <span class="value">{a.scans.devices}</span>
                  <span class="label">{t.scansDevices}</span>
                </li>
                <li>
                  <span class="value">{a.scans.areas}</span>
                  <span class="label">{t.scansAreas}</span>
                </li>
                <li>
                  <span class="value">{a.scans.last24h}</span>
                  <span class="label">{t.scans24h}</span>
                </li>
              </ul>
              <Table caption={t.scansByArea} head={[t.area, t.scansTotal, '']}>
                {a.scans.byArea.map((r) => (
                  <tr key={r.area}>
                    <td>{r.area}</td>
                    <td class="num">{r.scans}</td>
                    <td>
                      <Bar value={r.scans} max={a.scans.byArea[0]?.scans ?? 1} label={r.area} />
                    </td>
                  </tr>
                ))}
              </Table>
              <Table caption={t.topCodes} head={['', t.scansTotal, t.scansDevices, t.scansAreas, '']}>
                {a.topCodes.map((c) => (
                  <tr key={c.path}>
                    <td class="code-url">{c.path}</td>
                    <td class="num">{c.scans}</td>
                    <td class="num">{c.devices}</td>
                    <td class="num">{c.areas}</td>
                    <td>
                      {c.signals.map((s) => (
                        <span key={s} class="tag bad">
                          {SIGNAL[s]?.[props.lang] ?? s}
                        </span>
                      ))}
                    </td>
                  </tr>
                ))}
              </Table>
              <Table caption={t.scansPerDay} head={[t.when, t.scansTotal, '']}>
                {a.scans.perDay
                  .filter((d) => d.scans > 0)
                  .map((d) => (
                    <tr key={d.day}>
                      <td>{formatDate(d.day)}</td>
                      <td class="num">{d.scans}</td>
                      <td>
                        <Bar
                          value={d.scans}
                          max={Math.max(...a.scans.perDay.map((x) => x.scans))}
                          label={formatDate(d.day)}
                        />
                      </td>
                    </tr>
                  ))}
              </Table>
            </>
          )
        }
      </Show>
    </details>
  );
}

function Recall(props: { lang: Lang; id: string; onDone: () => void }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [reason, setReason] = useState('');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    if (reason.trim().length < 3) return;
    const done = await action.run(
      () => post(`/api/v1/batches/${props.id}/recall`, { reason: reason.trim() }),
      t.done,
      props.lang,
    );
    if (done) props.onDone();
  };
  return (
    <details class="section recall">
      <summary>{t.recall}</summary>
      <form onSubmit={(e) => void submit(e)}>
        <p class="alert caution">{t.recallWarning}</p>
        <Field id="recall-reason" label={t.recallReason}>
          <textarea
            id="recall-reason"
            required
            minLength={3}
            maxLength={2000}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="button danger" disabled={action.busy || reason.trim().length < 3}>
          {t.recallConfirm}
        </button>
        <Message message={action.message} />
      </form>
    </details>
  );
}

interface EventDraft {
  key: string;
  type: string;
  occurredAt: string;
  place: string;
  actor: string;
  note: string;
}

/** `datetime-local` value → ISO with Vietnam's offset (the events' wall clock is Vietnam's). */
function vnIso(local: string): string {
  return `${local.length === 16 ? `${local}:00` : local}+07:00`;
}

function NewBatch(props: { lang: Lang; session: Session; onCreated: (id: string) => void }): JSX.Element {
  const t = CONSOLE[props.lang];
  const producer = props.session.user.producerId;
  const [products] = useApi<Page<ProductRow>>(
    `/api/v1/products?limit=100${producer ? `&producer=${producer}` : ''}`,
  );
  const [zones] = useApi<Page<Zone>>('/api/v1/zones?limit=100');
  const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
  const [productId, setProductId] = useState('');
  const [lot, setLot] = useState('');
  const [producedOn, setProducedOn] = useState(today);
  const [bestBefore, setBestBefore] = useState('');
  const [quantity, setQuantity] = useState('');
  const [unit, setUnit] = useState('hộp');
  const [picked, setPicked] = useState<string[]>([]);
  const [events, setEvents] = useState<EventDraft[]>([]);
  const [idemKey] = useState(newId);
  const action = useAction();

  const setEvent = (key: string, patch: Partial<EventDraft>) =>
    setEvents((es) => es.map((e) => (e.key === key ? { ...e, ...patch } : e)));

  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      productId,
      lot: lot.trim(),
      producedOn,
      bestBefore: bestBefore || null,
      quantity: Number(quantity),
      unit: unit.trim(),
      zones: picked.map((zoneId) => ({ zoneId })),
      events: events
        .filter((ev) => ev.occurredAt)
        .map((ev) => ({
          type: ev.type,
          occurredAt: vnIso(ev.occurredAt),
          place: ev.place.trim() || null,
          actor: ev.actor.trim() || null,
          note: ev.note.trim() || null,
        })),
    };
    const created = await action.run(
      () => post<{ id: string }>('/api/v1/batches', body, { headers: { 'idempotency-key': idemKey } }),
      t.batchCreated,
      props.lang,
    );
    if (created) props.onCreated(created.id);
  };

  return (
    <section aria-labelledby="new-batch-title">
      <h2 id="new-batch-title">{t.newBatchTitle}</h2>
      <form onSubmit={(e) => void submit(e)} id="new-batch-form">
        <div class="form-grid">
          <Field id="nb-product" label={t.chooseProduct} hint={t.onlyValid}>
            <select
              id="nb-product"
              required
              value={productId}
              onChange={(e) => setProductId(e.currentTarget.value)}
            >
              <option value="">—</option>
              {products.state === 'ok' &&
                products.data.items.map((p) => (
                  <option key={p.id} value={p.id} disabled={p.certificateStatus !== 'valid'}>
                    {p.nameVi}
                    {p.certificate ? ` (${t.stars(p.certificate.stars)})` : ''}
                    {p.certificateStatus !== 'valid'
                      ? ` — ${CERT_STATUS[p.certificateStatus]?.[props.lang] ?? ''}`
                      : ''}
                  </option>
                ))}
            </select>
          </Field>
          <Field id="nb-lot" label={t.lot} hint={t.lotHint}>
            <input
              id="nb-lot"
              type="text"
              required
              pattern="[A-Za-z0-9._\-]{1,20}"
              maxLength={20}
              autoComplete="off"
              value={lot}
              onInput={(e) => setLot(e.currentTarget.value)}
            />
          </Field>
          <Field id="nb-produced" label={t.producedOn}>
            <input
              id="nb-produced"
              type="date"
              required
              max={today}
              value={producedOn}
              onInput={(e) => setProducedOn(e.currentTarget.value)}
            />
          </Field>
          <Field id="nb-best" label={`${t.bestBefore} ${t.optional}`}>
            <input
              id="nb-best"
              type="date"
              min={producedOn}
              value={bestBefore}
              onInput={(e) => setBestBefore(e.currentTarget.value)}
            />
          </Field>
          <Field id="nb-qty" label={t.quantity}>
            <input
              id="nb-qty"
              type="number"
              required
              min={0.001}
              step="any"
              inputMode="decimal"
              value={quantity}
              onInput={(e) => setQuantity(e.currentTarget.value)}
            />
          </Field>
          <Field id="nb-unit" label={t.unit}>
            <input
              id="nb-unit"
              type="text"
              required
              maxLength={20}
              value={unit}
              onInput={(e) => setUnit(e.currentTarget.value)}
            />
          </Field>
        </div>
        <fieldset>
          <legend>{t.zones}</legend>
          {zones.state === 'ok' && zones.data.items.length === 0 && <p class="muted">{t.noZonesAvailable}</p>}
          {zones.state === 'ok' &&
            zones.data.items
              .filter((z) => z.status === 'active')
              .map((z) => (
                <label key={z.id} class="radio">
                  <input
                    type="checkbox"
                    checked={picked.includes(z.id)}
                    onChange={(e) =>
                      setPicked((p) => (e.currentTarget.checked ? [...p, z.id] : p.filter((x) => x !== z.id)))
                    }
                  />
                  <span>
                    <span class="mono">{z.code}</span> — {ZONE_SCHEME[z.scheme]?.[props.lang] ?? z.scheme}
                    {z.name ? `, ${z.name}` : ''} ({z.cropOrSpecies})
                  </span>
                </label>
              ))}
        </fieldset>
        <fieldset>
          <legend>{t.events}</legend>
          {events.map((ev, i) => (
            <div class="event-row form-grid" key={ev.key}>
              <Field id={`ev-type-${ev.key}`} label={`${i + 1}. ${t.eventType}`}>
                <select
                  id={`ev-type-${ev.key}`}
                  value={ev.type}
                  onChange={(e) => setEvent(ev.key, { type: e.currentTarget.value })}
                >
                  {Object.entries(EVENT_TYPE).map(([k, v]) => (
                    <option key={k} value={k}>
                      {v[props.lang]}
                    </option>
                  ))}
                </select>
              </Field>
              <Field id={`ev-time-${ev.key}`} label={t.eventTime}>
                <input
                  id={`ev-time-${ev.key}`}
                  type="datetime-local"
                  required
                  value={ev.occurredAt}
                  onInput={(e) => setEvent(ev.key, { occurredAt: e.currentTarget.value })}
                />
              </Field>
              <Field id={`ev-place-${ev.key}`} label={`${t.eventPlace} ${t.optional}`}>
                <input
                  id={`ev-place-${ev.key}`}
                  type="text"
                  maxLength={300}
                  value={ev.place}
                  onInput={(e) => setEvent(ev.key, { place: e.currentTarget.value })}
                />
              </Field>
              <Field id={`ev-actor-${ev.key}`} label={`${t.eventActor} ${t.optional}`}>
                <input
                  id={`ev-actor-${ev.key}`}
                  type="text"
                  maxLength={200}
                  value={ev.actor}
                  onInput={(e) => setEvent(ev.key, { actor: e.currentTarget.value })}
                />
              </Field>
              <div class="full">
                <Field id={`ev-note-${ev.key}`} label={`${t.eventNote} ${t.optional}`}>
                  <input
                    id={`ev-note-${ev.key}`}
                    type="text"
                    maxLength={2000}
                    value={ev.note}
                    onInput={(e) => setEvent(ev.key, { note: e.currentTarget.value })}
                  />
                </Field>
                <button
                  type="button"
                  class="button ghost small"
                  onClick={() => setEvents((es) => es.filter((x) => x.key !== ev.key))}
                >
                  {t.removeEvent}
                </button>
              </div>
            </div>
          ))}
          <button
            type="button"
            class="button secondary small"
            onClick={() =>
              setEvents((es) => [
                ...es,
                {
                  key: newId(),
                  type: es.length === 0 ? 'harvest' : 'processing',
                  occurredAt: '',
                  place: '',
                  actor: '',
                  note: '',
                },
              ])
            }
          >
            {t.addEvent}
          </button>
        </fieldset>
        <p class="actions">
          <button class="button" type="submit" disabled={action.busy}>
            {action.busy ? t.saving : t.createBatch}
          </button>
        </p>
        <Message message={action.message} />
      </form>
    </section>
  );
}

function ProducerConsole(props: { lang: Lang; session: Session }): JSX.Element {
  const t = CONSOLE[props.lang];
  const tabs = [
    { id: 'products', label: t.tabProducts },
    { id: 'batches', label: t.tabBatches },
    { id: 'new-batch', label: t.tabNewBatch },
  ];
  const [tab, go] = useHashTab(tabs, 'products');
  const [selected, setSelected] = useState<string | null>(() => {
    const m = /^#batches\/([0-9a-f-]{36})$/.exec(location.hash);
    return m?.[1] ?? null;
  });
  const select = (id: string | null) => {
    setSelected(id);
    history.replaceState(null, '', id ? `#batches/${id}` : '#batches');
  };
  return (
    <Shell
      lang={props.lang}
      title={t.producerTitle}
      session={props.session}
      roles={ROLES}
      tabs={tabs}
      current={tab}
      onTab={go}
    >
      {tab === 'products' && <Products lang={props.lang} session={props.session} />}
      {tab === 'batches' && <Batches lang={props.lang} selected={selected} onSelect={select} />}
      {tab === 'new-batch' && (
        <NewBatch
          lang={props.lang}
          session={props.session}
          onCreated={(id) => {
            go('batches');
            select(id);
          }}
        />
      )}
    </Shell>
  );
}

const root = document.getElementById('console');
if (root) {
  const lang: Lang = root.dataset.lang === 'en' ? 'en' : 'vi';
  const session = requireSession(ROLES, lang);
  if (session) {
    root.textContent = '';
    render(<ProducerConsole lang={lang} session={session} />, root);
  }
}
