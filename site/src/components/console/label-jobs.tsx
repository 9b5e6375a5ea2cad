/**
 * Labels rendered in the background (api/src/routes/labels/jobs.ts): a run too large for the
 * direct download (more than {@link DIRECT_MAX_LABELS} labels, a season of bottled fish sauce), or
 * one the producer prefers to leave running. `POST …/batches/{id}/label-jobs` starts it (with an
 * Idempotency-Key, so a start retried on a phone's network never queues a second run), `GET
 * /api/v1/label-jobs/{id}` is polled every {@link POLL_MS} while it is queued or running (one
 * request at a time, stopped when it ends or the panel closes), then the file is downloaded, or the
 * failure said with a retry. The last job of each batch is kept in localStorage, so a producer who
 * closed the tab finds it again.
 */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatNumber } from '../../lib/i18n.ts';
import { CONSOLE, type Lang } from '../../lib/console-i18n.ts';
import { get, getBlob, newId, post, saveBlob } from '../../lib/console.ts';
import { Message, Notice, formatDate, useAction } from './ui.tsx';

/** Most labels `GET …/labels` draws in one request (MAX_LABELS, api/src/routes/labels/schemas.ts). */
export const DIRECT_MAX_LABELS = 10_000;
/** Most labels one job draws (MAX_JOB_LABELS). */
export const JOB_MAX_LABELS = 50_000;
/** How often a running job is asked about (ms). */
const POLL_MS = 2_000;

/** `GET /api/v1/label-jobs/{id}` (the LabelJob schema, the fields read here). */
export interface LabelJob {
  id: string;
  batchId: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  done: number;
  total: number;
  params: { format?: string; layout?: string };
  fileName: string;
  file: string | null;
  error: { reason: string; detailVi: string; detail: string } | null;
  fileExpiresAt: string | null;
}

/** The body of `POST …/label-jobs`: the parameters of the direct download. */
export interface LabelJobParams {
  format: 'pdf' | 'png' | 'svg';
  layout: string;
  codes: 'batch' | 'units';
  dpi?: number;
  copies?: number;
}

const storageKey = (batchId: string) => `ocop.console.labelJob.${batchId}`;

function rememberedJob(batchId: string): string | null {
  try {
    return localStorage.getItem(storageKey(batchId));
  } catch {
    return null;
  }
}

function remember(batchId: string, jobId: string | null): void {
  try {
    if (jobId) localStorage.setItem(storageKey(batchId), jobId);
    else localStorage.removeItem(storageKey(batchId));
  } catch {
    // storage disabled: the job is only shown while the page stays open
  }
}

/**
 * The download's name, as the direct download names it: tem-{lot}-{layout}.{ext}, the extension
 * the server gave its file (a ZIP for PNGs of several labels).
 */
function fileNameOf(job: LabelJob, lot: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(job.fileName)?.[1] ?? 'pdf';
  return `tem-${lot}-${job.params.layout ?? 'a4-40-52x30'}.${ext}`;
}

export function LabelJobPanel(props: {
  lang: Lang;
  batchId: string;
  lot: string;
  params: LabelJobParams;
  /** The labels asked for: over {@link DIRECT_MAX_LABELS}, this is the only way to print them. */
  count: number;
}): JSX.Element {
  const t = CONSOLE[props.lang];
  const [job, setJob] = useState<LabelJob | null>(null);
  const [key, setKey] = useState(newId);
  /** The file was deleted from the server (410): a retry makes it again. */
  const [gone, setGone] = useState(false);
  const action = useAction();
  const progressBox = useRef<HTMLDivElement>(null);
  /** Focus the download once a job this page watched has finished (not on a reload of a done one). */
  const watched = useRef(false);
  const main = props.count > DIRECT_MAX_LABELS;

  // The batch's last job, if one was started from this browser.
  useEffect(() => {
    const id = rememberedJob(props.batchId);
    setJob(null);
    if (!id) return;
    let live = true;
    void get<LabelJob>(`/api/v1/label-jobs/${id}`).then((res) => {
      if (!live) return;
      if (res.ok) setJob(res.data);
      else if (res.status === 404) remember(props.batchId, null);
    });
    return () => {
      live = false;
    };
  }, [props.batchId]);

  // Poll while it runs: one request at a time, every POLL_MS, stopped when it ends or on unmount.
  const running = job !== null && (job.status === 'queued' || job.status === 'running');
  useEffect(() => {
    if (!job || !running) return;
    watched.current = true;
    let live = true;
    const timer = setTimeout(() => {
      void get<LabelJob>(`/api/v1/label-jobs/${job.id}`).then((res) => {
        if (!live) return;
        if (res.ok) setJob(res.data);
        // The network or the server failed: asked again at the next tick.
        else if (res.status === 0 || res.status >= 500) setJob({ ...job });
        else if (res.status === 404) {
          remember(props.batchId, null);
          setJob(null);
        }
      });
    }, POLL_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [job, running, props.batchId]);

  useEffect(() => {
    // The progress it had the focus on is gone: the file's button takes it, or the retry's.
    const next =
      job?.status === 'done' ? 'download-label-job' : job?.status === 'failed' ? 'retry-label-job' : null;
    if (next && watched.current) {
      watched.current = false;
      action.clear(); // "started…" is no longer news
      // After the render that shows it.
      setTimeout(() => document.getElementById(next)?.focus(), 0);
    }
  }, [job?.status]);

  const started = (j: LabelJob) => {
    remember(props.batchId, j.id);
    setGone(false);
    setJob(j);
    // The button that started it is disabled while it runs: the progress takes the focus.
    setTimeout(() => progressBox.current?.focus(), 0);
  };

  const start = async () => {
    const j = await action.run(
      () =>
        post<LabelJob>(`/api/v1/batches/${props.batchId}/label-jobs`, props.params, {
          headers: { 'idempotency-key': key },
        }),
      t.labelJobStarted,
      props.lang,
    );
    if (!j) return;
    setKey(newId());
    started(j);
  };

  const retry = async () => {
    if (!job) return;
    const j = await action.run(
      () => post<LabelJob>(`/api/v1/label-jobs/${job.id}/retry`, undefined),
      t.labelJobStarted,
      props.lang,
    );
    if (j) started(j);
  };

  const download = async () => {
    if (!job?.file) return;
    const file = job.file;
    let status = 0;
    const data = await action.run(
      async () => {
        const res = await getBlob(file, 600_000);
        status = res.status;
        return res;
      },
      t.downloaded,
      props.lang,
    );
    if (data) saveBlob(data, fileNameOf(job, props.lot));
    else if (status === 410) setGone(true);
  };

  const retryButton = (cls: string) => (
    <button
      type="button"
      class={cls}
      id="retry-label-job"
      disabled={action.busy}
      onClick={() => void retry()}
    >
      {t.labelJobRetry}
    </button>
  );

  const percent = job ? Math.floor((100 * job.done) / Math.max(1, job.total)) : 0;
  const startLabel = job && !running ? t.labelJobStartAgain : t.labelJobStart;

  return (
    <div class="label-job" data-label-job={job?.status ?? ''}>
      <p class="actions">
        <button
          type="button"
          class={main ? 'button' : 'button secondary'}
          id="start-label-job"
          disabled={action.busy || running || props.count > JOB_MAX_LABELS}
          onClick={() => void start()}
        >
          {startLabel}
        </button>
      </p>
      {props.count > JOB_MAX_LABELS && (
        <p class="hint">{t.labelJobTooMany(formatNumber(JOB_MAX_LABELS, props.lang))}</p>
      )}
      {/* Announced politely, in steps of a tenth, so a screen reader is not told every poll. */}
      <p class="visually-hidden" role="status" aria-live="polite">
        {job === null
          ? ''
          : running
            ? t.labelJobRunningShort(Math.floor(percent / 10) * 10)
            : job.status === 'done'
              ? t.labelJobDone(formatNumber(job.total, props.lang))
              : t.labelJobFailed}
      </p>
      {job && running && (
        <div class="label-job-progress" tabIndex={-1} ref={progressBox}>
          <label for="label-job-progress">
            {job.status === 'queued'
              ? t.labelJobQueued
              : t.labelJobRunning(formatNumber(job.done, props.lang), formatNumber(job.total, props.lang))}
          </label>
          <progress id="label-job-progress" max={job.total} value={job.done}>
            {percent}%
          </progress>
        </div>
      )}
      {job && job.status === 'done' && (
        <>
          <p>
            {t.labelJobDone(formatNumber(job.total, props.lang))}{' '}
            {job.fileExpiresAt && t.labelJobExpires(formatDate(job.fileExpiresAt))}
          </p>
          <p class="actions">
            <button
              type="button"
              class="button"
              id="download-label-job"
              disabled={action.busy}
              onClick={() => void download()}
            >
              {action.busy ? t.downloading : t.labelJobDownload}
            </button>
            {gone && retryButton('button secondary')}
          </p>
        </>
      )}
      {job && job.status === 'failed' && (
        <>
          <Notice kind="error">
            {t.labelJobFailed}
            {job.error && `: ${(props.lang === 'vi' && job.error.detailVi) || job.error.detail}`}
          </Notice>
          <p class="actions">{retryButton('button')}</p>
        </>
      )}
      <Message message={action.message} />
    </div>
  );
}
