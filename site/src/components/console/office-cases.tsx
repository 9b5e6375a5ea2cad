/**
 * The office's anti-counterfeit work: signals (codes whose scans look copied, consumer reports not
 * yet in a case), the case queue, and each case with its code's scan analytics, reports, findings
 * and history, to follow up and close.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import {
  REPORT_REASON_TEXT,
  VERDICT_TEXT,
  formatNumber,
  type ReportReason,
  type Verdict,
} from '../../lib/i18n.ts';
import {
  CASE_EVENT,
  CASE_KIND,
  CASE_PRIORITY,
  CASE_RESOLUTION,
  CASE_STATUS,
  CONSOLE,
  OUTCOME,
  SIGNAL,
  type Lang,
} from '../../lib/console-i18n.ts';
import { call, post, type CodeAnalytics, type Page } from '../../lib/console.ts';
import {
  Bar,
  Field,
  Message,
  Show,
  Table,
  formatDateTime,
  useAction,
  useApi,
  useFocusOnShow,
} from './ui.tsx';

interface CaseRow {
  id: string;
  kind: string;
  status: string;
  priority: string;
  title: string;
  codePath: string | null;
  product: { id: string; name: string } | null;
  batch: { id: string; lot: string } | null;
  area: { id: string; name: string } | null;
  signals: Record<string, unknown>;
  openedAt: string;
  assignedTo: { id: string; displayName: string } | null;
  closedAt: string | null;
  resolution: string | null;
  resolutionNote: string | null;
  reports: number;
  findings: number;
}

interface CaseDetail {
  case: CaseRow;
  reports: {
    id: string;
    createdAt: string;
    reason: string;
    verdict: string | null;
    details: string | null;
    place: string | null;
    status: string;
  }[];
  findings: {
    id: string;
    observedAt: string;
    inspector: string;
    verdict: string;
    outcome: string;
    printedStars: number | null;
    certifiedStars: number | null;
    place: string | null;
    note: string | null;
    photos: number;
  }[];
  events: {
    id: string;
    at: string;
    actor: { displayName: string } | null;
    action: string;
    note: string | null;
  }[];
}

interface SignalList {
  codes: {
    codePath: string;
    kind: string | null;
    product: { id: string; name: string } | null;
    batch: { id: string; lot: string } | null;
    scans: number;
    devices: number;
    areas: number;
    topArea: string | null;
    lastAt: string | null;
    signals: string[];
    openCaseId: string | null;
  }[];
  reports: {
    id: string;
    createdAt: string;
    reason: string;
    verdict: string | null;
    codePath: string | null;
    product: { id: string; name: string } | null;
    place: string | null;
    details: string | null;
    openCaseId: string | null;
  }[];
  thresholds: { windowDays: number; devices: number; areas: number };
}

const verdictTitle = (v: string | null, lang: Lang) =>
  v ? (VERDICT_TEXT[v as Verdict]?.[lang].title ?? v) : '—';

function Signals(props: { lang: Lang; onOpened: (id: string) => void }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [signals, reload] = useApi<SignalList>('/api/v1/analytics/signals?limit=30');
  const action = useAction();
  const open = async (body: Record<string, unknown>) => {
    const d = await action.run(() => post<CaseDetail>('/api/v1/cases', body), t.done, props.lang);
    if (d) {
      reload();
      props.onOpened(d.case.id);
    }
  };
  return (
    <section class="panel" aria-labelledby="signals-title">
      <h3 id="signals-title">{t.signals}</h3>
      <Message message={action.message} />
      <Show lang={props.lang} loaded={signals} retry={reload}>
        {(s) =>
          s.codes.length === 0 && s.reports.length === 0 ? (
            <p class="muted">{t.noSignals}</p>
          ) : (
            <>
              {s.codes.length > 0 && (
                <Table
                  caption={t.signalCodes}
                  head={[t.product, t.lot, t.scansCol, t.devices, t.areas, t.reason, '']}
                >
                  {s.codes.map((c) => (
                    <tr key={c.codePath} data-signal-code={c.codePath}>
                      <td>
                        {c.product?.name ?? t.none}
                        <div class="code-url">{c.codePath}</div>
                      </td>
                      <td>{c.batch?.lot ?? t.none}</td>
                      <td class="num">{c.scans}</td>
                      <td class="num">{c.devices}</td>
                      <td class="num">
                        {c.areas}
                        {c.topArea ? <div class="hint">{c.topArea}</div> : null}
                      </td>
                      <td>
                        {c.signals.map((x) => (
                          <span key={x} class="tag bad">
                            {SIGNAL[x]?.[props.lang] ?? x}
                          </span>
                        ))}
                      </td>
                      <td>
                        {c.openCaseId ? (
                          <button
                            type="button"
                            class="button ghost small"
                            onClick={() => props.onOpened(c.openCaseId!)}
                          >
                            {t.details}
                          </button>
                        ) : (
                          <button
                            type="button"
                            class="button small"
                            disabled={action.busy}
                            onClick={() =>
                              void open({
                                kind: 'suspected_copy',
                                title: `${CASE_KIND.suspected_copy?.vi}${c.product ? ` — ${c.product.name}` : ''}`,
                                priority: 'high',
                                code: c.codePath,
                                signals: {
                                  scans: c.scans,
                                  devices: c.devices,
                                  areas: c.areas,
                                  signals: c.signals,
                                },
                              })
                            }
                          >
                            {t.openCase}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </Table>
              )}
              {s.reports.length > 0 && (
                <Table caption={t.signalReports} head={[t.when, t.reason, t.product, t.place, '']}>
                  {s.reports.map((r) => (
                    <tr key={r.id} data-signal-report={r.id}>
                      <td>{formatDateTime(r.createdAt, props.lang)}</td>
                      <td>
                        {REPORT_REASON_TEXT[r.reason as ReportReason]?.[props.lang] ?? r.reason}
                        {r.details && <div class="hint">{r.details}</div>}
                      </td>
                      <td>
                        {r.product?.name ?? t.none}
                        {r.verdict && <div class="hint">{verdictTitle(r.verdict, props.lang)}</div>}
                      </td>
                      <td>{r.place ?? t.none}</td>
                      <td>
                        <button
                          type="button"
                          class="button small"
                          disabled={action.busy}
                          onClick={() =>
                            void open({
                              kind:
                                r.reason === 'stars_mismatch'
                                  ? 'stars_mismatch'
                                  : r.reason === 'expired_mark'
                                    ? 'expired_mark'
                                    : 'counterfeit_report',
                              title: `${REPORT_REASON_TEXT[r.reason as ReportReason]?.vi ?? r.reason}${r.product ? ` — ${r.product.name}` : ''}`,
                              ...(r.codePath ? { code: r.codePath } : {}),
                              ...(r.product && !r.codePath ? { productId: r.product.id } : {}),
                              reportIds: [r.id],
                            })
                          }
                        >
                          {r.openCaseId ? t.joinCase : t.openCase}
                        </button>
                      </td>
                    </tr>
                  ))}
                </Table>
              )}
            </>
          )
        }
      </Show>
    </section>
  );
}

export function CasesView(props: {
  lang: Lang;
  selected: string | null;
  onSelect: (id: string | null) => void;
}): JSX.Element {
  const t = CONSOLE[props.lang];
  const [status, setStatus] = useState('active');
  const [cases, reload] = useApi<Page<CaseRow>>(
    `/api/v1/cases?limit=100${status === 'all' ? '' : `&status=${status}`}`,
  );
  return (
    <section aria-labelledby="cases-title">
      <h2 id="cases-title">{t.tabCases}</h2>
      <Signals
        lang={props.lang}
        onOpened={(id) => {
          reload();
          props.onSelect(id);
        }}
      />
      <div class={props.selected ? 'split' : ''}>
        <section class="panel" aria-labelledby="queue-title">
          <h3 id="queue-title">{t.caseQueue}</h3>
          <Field id="case-status" label={t.status}>
            <select id="case-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option value="active">{t.filterActive}</option>
              <option value="closed">{t.filterClosed}</option>
              <option value="all">{t.filterAll}</option>
            </select>
          </Field>
          <Show lang={props.lang} loaded={cases} retry={reload}>
            {(page) =>
              page.items.length === 0 ? (
                <p class="muted">{t.noCases}</p>
              ) : (
                <Table head={[t.caseTitle, t.caseKind, t.priority, t.status, t.openedAt, '']}>
                  {page.items.map((c) => (
                    <tr key={c.id} class={props.selected === c.id ? 'selected' : ''} data-case-id={c.id}>
                      <td>
                        {c.title}
                        {c.area && <div class="hint">{c.area.name}</div>}
                      </td>
                      <td>{CASE_KIND[c.kind]?.[props.lang] ?? c.kind}</td>
                      <td>
                        <span class={`badge ${c.priority === 'high' ? 'bad' : 'neutral'}`}>
                          {CASE_PRIORITY[c.priority]?.[props.lang]}
                        </span>
                      </td>
                      <td>{CASE_STATUS[c.status]?.[props.lang] ?? c.status}</td>
                      <td>{formatDateTime(c.openedAt, props.lang)}</td>
                      <td>
                        <button
                          type="button"
                          class="button secondary small"
                          onClick={() => props.onSelect(c.id)}
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
        </section>
        {props.selected && (
          <CaseView
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

function CaseView(props: {
  lang: Lang;
  id: string;
  onChanged: () => void;
  onClose: () => void;
}): JSX.Element {
  const t = CONSOLE[props.lang];
  const [detail, reload] = useApi<CaseDetail>(`/api/v1/cases/${props.id}`);
  const focusTitle = useFocusOnShow<HTMLHeadingElement>(props.id);
  const [note, setNote] = useState('');
  const [resolution, setResolution] = useState('confirmed_counterfeit');
  const action = useAction();
  const act = async (method: 'POST' | 'PATCH', path: string, body: unknown) => {
    const ok = await action.run(() => call(method, path, { body }), t.done, props.lang);
    if (ok) {
      reload();
      props.onChanged();
    }
    return ok;
  };
  return (
    <section class="panel" aria-labelledby="case-title">
      <Show lang={props.lang} loaded={detail} retry={reload}>
        {(d) => (
          <>
            <h3 id="case-title" data-case-status={d.case.status} tabIndex={-1} ref={focusTitle}>
              {d.case.title}
            </h3>
            <p>
              <button type="button" class="button ghost small" onClick={props.onClose}>
                {t.close}
              </button>
            </p>
            <dl class="facts">
              <dt>{t.caseKind}</dt>
              <dd>{CASE_KIND[d.case.kind]?.[props.lang]}</dd>
              <dt>{t.status}</dt>
              <dd>{CASE_STATUS[d.case.status]?.[props.lang]}</dd>
              <dt>{t.priority}</dt>
              <dd>{CASE_PRIORITY[d.case.priority]?.[props.lang]}</dd>
              {d.case.product && (
                <>
                  <dt>{t.product}</dt>
                  <dd>{d.case.product.name}</dd>
                </>
              )}
              {d.case.batch && (
                <>
                  <dt>{t.lot}</dt>
                  <dd class="mono">{d.case.batch.lot}</dd>
                </>
              )}
              {d.case.assignedTo && (
                <>
                  <dt>{t.assignedTo}</dt>
                  <dd>{d.case.assignedTo.displayName}</dd>
                </>
              )}
              {d.case.resolution && (
                <>
                  <dt>{t.resolution}</dt>
                  <dd>
                    {CASE_RESOLUTION[d.case.resolution]?.[props.lang]}
                    {d.case.resolutionNote ? ` — ${d.case.resolutionNote}` : ''}
                  </dd>
                </>
              )}
            </dl>
            {d.case.codePath && <CodeView lang={props.lang} code={d.case.codePath} />}
            {d.reports.length > 0 && (
              <Table caption={t.reportsLinked} head={[t.when, t.reason, t.place]}>
                {d.reports.map((r) => (
                  <tr key={r.id}>
                    <td>{formatDateTime(r.createdAt, props.lang)}</td>
                    <td>
                      {REPORT_REASON_TEXT[r.reason as ReportReason]?.[props.lang] ?? r.reason}
                      {r.details && <div class="hint">{r.details}</div>}
                    </td>
                    <td>{r.place ?? t.none}</td>
                  </tr>
                ))}
              </Table>
            )}
            {d.findings.length > 0 && (
              <Table caption={t.findingsLinked} head={[t.when, t.actor, t.outcome, t.place]}>
                {d.findings.map((f) => (
                  <tr key={f.id}>
                    <td>{formatDateTime(f.observedAt, props.lang)}</td>
                    <td>{f.inspector}</td>
                    <td>
                      {OUTCOME[f.outcome]?.[props.lang] ?? f.outcome}
                      <div class="hint">
                        {verdictTitle(f.verdict, props.lang)}
                        {f.printedStars !== null ? ` · ${f.printedStars}★/${f.certifiedStars ?? '—'}★` : ''}
                        {f.photos ? ` · ${t.photoCount(f.photos)}` : ''}
                      </div>
                      {f.note && <div>{f.note}</div>}
                    </td>
                    <td>{f.place ?? t.none}</td>
                  </tr>
                ))}
              </Table>
            )}
            <h4>{t.history}</h4>
            <ol class="timeline">
              {d.events.map((e) => (
                <li key={e.id}>
                  <strong>{CASE_EVENT[e.action]?.[props.lang] ?? e.action}</strong>
                  <time dateTime={e.at}>{formatDateTime(e.at, props.lang)}</time>
                  {[
                    e.actor?.displayName,
                    e.action === 'status' && e.note
                      ? CASE_STATUS[e.note]?.[props.lang]
                      : e.action === 'assigned'
                        ? null
                        : e.note,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </li>
              ))}
            </ol>
            <Message message={action.message} />
            {d.case.status !== 'closed' ? (
              <>
                {d.case.status === 'open' && (
                  <p>
                    <button
                      type="button"
                      class="button secondary"
                      disabled={action.busy}
                      onClick={() =>
                        void act('PATCH', `/api/v1/cases/${d.case.id}`, { status: 'investigating' })
                      }
                    >
                      {t.takeUp}
                    </button>
                  </p>
                )}
                <form
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (note.trim())
                      void act('POST', `/api/v1/cases/${d.case.id}/notes`, { note: note.trim() }).then(
                        (ok) => ok && setNote(''),
                      );
                  }}
                >
                  <Field id="case-note" label={t.addNote}>
                    <textarea
                      id="case-note"
                      maxLength={4000}
                      rows={2}
                      value={note}
                      onInput={(e) => setNote(e.currentTarget.value)}
                    />
                  </Field>
                  <button type="submit" class="button secondary small" disabled={action.busy || !note.trim()}>
                    {t.addNote}
                  </button>
                </form>
                <form
                  onSubmit={(e) => {
                    e.preventDefault();
                    void act('POST', `/api/v1/cases/${d.case.id}/close`, {
                      resolution,
                      ...(note.trim() ? { note: note.trim() } : {}),
                    });
                  }}
                >
                  <Field id="case-resolution" label={t.resolution}>
                    <select
                      id="case-resolution"
                      value={resolution}
                      onChange={(e) => setResolution(e.currentTarget.value)}
                    >
                      {Object.entries(CASE_RESOLUTION).map(([k, v]) => (
                        <option key={k} value={k}>
                          {v[props.lang]}
                        </option>
                      ))}
                    </select>
                  </Field>
                  <button type="submit" class="button" disabled={action.busy}>
                    {t.closeCase}
                  </button>
                </form>
              </>
            ) : (
              <button
                type="button"
                class="button secondary"
                disabled={action.busy}
                onClick={() => void act('POST', `/api/v1/cases/${d.case.id}/reopen`, {})}
              >
                {t.reopen}
              </button>
            )}
          </>
        )}
      </Show>
    </section>
  );
}

function CodeView(props: { lang: Lang; code: string }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [a, reload] = useApi<CodeAnalytics>(`/api/v1/analytics/codes?code=${encodeURIComponent(props.code)}`);
  return (
    <details class="section" open>
      <summary>{t.codeAnalytics}</summary>
      <p class="code-url">{props.code}</p>
      <Show lang={props.lang} loaded={a} retry={reload}>
        {(c) => (
          <>
            <ul class="kpis">
              <li>
                <span class="value">{formatNumber(c.scans.total, props.lang)}</span>
                <span class="label">{t.scansTotal}</span>
              </li>
              <li>
                <span class="value">
                  {c.scans.devices}
                  {c.kind === 'unit' ? ` / ${c.thresholds.devices}` : ''}
                </span>
                <span class="label">{t.scansDevices}</span>
              </li>
              <li>
                <span class="value">
                  {c.scans.areas}
                  {c.kind === 'unit' ? ` / ${c.thresholds.areas}` : ''}
                </span>
                <span class="label">{t.scansAreas}</span>
              </li>
              <li>
                <span class="value">{c.scans.maxPerHour}</span>
                <span class="label">{t.scansPerHour}</span>
              </li>
              <li>
                <span class="value">{c.scans.last24h}</span>
                <span class="label">{t.scans24h}</span>
              </li>
            </ul>
            <p>
              {c.signals.map((s) => (
                <span key={s} class="tag bad">
                  {SIGNAL[s]?.[props.lang] ?? s}
                </span>
              ))}
            </p>
            {c.scans.byArea.length > 0 && (
              <Table caption={t.scansByArea} head={[t.area, t.scansCol, '']}>
                {c.scans.byArea.map((r) => (
                  <tr key={r.area}>
                    <td>{r.area}</td>
                    <td class="num">{r.scans}</td>
                    <td>
                      <Bar value={r.scans} max={c.scans.byArea[0]?.scans ?? 1} label={r.area} />
                    </td>
                  </tr>
                ))}
              </Table>
            )}
            {c.scans.firstAt && (
              <p class="hint">
                {formatDateTime(c.scans.firstAt, props.lang)} – {formatDateTime(c.scans.lastAt, props.lang)}
              </p>
            )}
            {c.batch && (
              <p class="hint">
                {t.lot} {c.batch.lot}: {formatNumber(c.batch.quantity, props.lang)} · {t.unitCodes}:{' '}
                {c.batch.unitCodes}
              </p>
            )}
          </>
        )}
      </Show>
    </details>
  );
}
