/**
 * The inspector's console (/inspector), phone first: scan pack after pack with the camera (the
 * site's jsQR worker, scripts/qr-worker.ts), one big colour-coded verdict per scan with a beep and
 * a vibration, compare the stars printed on the pack with the certified stars, record a finding in
 * one or two taps (verdict, place, note, photos), offline too: findings wait in IndexedDB and sync
 * exactly once (lib/console-queue.ts). The session's report comes as CSV or PDF.
 */
import { render, type JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import workerUrl from '../../scripts/qr-worker.ts?worker&url';
import type { DecodeRequest, DecodeResponse } from '../../scripts/qr-worker.ts';
import { loadOfflineData, refreshOfflineData, verifyOffline } from '../../scripts/offline.ts';
import { ageText } from '../../scripts/render.ts';
import { toVerifyView, type VerifyAnswer, type VerifyView } from '../../lib/verify-view.ts';
import { VERDICT_TEXT, verdictTone, type Verdict } from '../../lib/i18n.ts';
import { CONSOLE, OUTCOME, ROLE_NAME, problemText, type Lang } from '../../lib/console-i18n.ts';
import {
  call,
  deviceIdFromCookie,
  getBlob,
  loadSession,
  newId,
  saveBlob,
  signInHref,
  signOut,
  type AdminUnit,
  type Session,
} from '../../lib/console.ts';
import {
  pendingCount,
  putFinding,
  sessionFindings,
  shrinkPhoto,
  syncQueue,
  type QueuedFinding,
} from '../../lib/console-queue.ts';
import { signal, unlockAudio } from '../../lib/console-feedback.ts';
import { Field, Notice, Stars, formatDateTime } from './ui.tsx';

const ROLES = ['inspector', 'admin'] as const;
const SESSION_KEY = 'ocop.inspector.session';
const UNITS_KEY = 'ocop.inspector.units';
/** The site service worker's shell cache (public/sw.js): pages kept there open offline. */
const SHELL_CACHE = 'ocop-shell-v1';
const SAME_CODE_PAUSE_MS = 4000;
const MAX_FRAME_SIDE = 720;
const SYNC_EVERY_MS = 30_000;

interface InspectionSession {
  id: string;
  startedAt: string;
  place: string;
  adminUnitId: string;
  areaName: string;
}

function loadInspection(): InspectionSession {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as InspectionSession | null;
    if (s && typeof s.id === 'string') return s;
  } catch {
    // start a new one
  }
  return newInspection('', '', '');
}

function newInspection(place: string, adminUnitId: string, areaName: string): InspectionSession {
  const s = { id: newId(), startedAt: new Date().toISOString(), place, adminUnitId, areaName };
  localStorage.setItem(SESSION_KEY, JSON.stringify(s));
  return s;
}

interface Scan {
  code: string | null;
  view: VerifyView | null;
  source: 'online' | 'offline' | 'none';
  snapshotAt: Date | null;
  at: string;
}

/** What the inspector most likely concludes from a verdict (one tap to confirm). */
function presetOutcome(v: Verdict | 'not_scanned'): string {
  switch (v) {
    case 'genuine':
      return 'compliant';
    case 'forged':
    case 'suspected_copy':
      return 'counterfeit_suspected';
    case 'revoked_certificate':
      return 'revoked_mark';
    case 'expired_certificate':
      return 'expired_mark';
    case 'recalled_batch':
      return 'recalled_on_sale';
    case 'not_scanned':
      return 'no_code';
    default:
      return 'other';
  }
}

const OUTCOMES = [
  'compliant',
  'counterfeit_suspected',
  'stars_mismatch',
  'expired_mark',
  'revoked_mark',
  'recalled_on_sale',
  'label_damaged',
  'no_code',
  'other',
] as const;

async function cacheShell(lang: Lang): Promise<boolean> {
  if (!('serviceWorker' in navigator) || !('caches' in window) || !navigator.onLine) return false;
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    await navigator.serviceWorker.ready;
    const urls = new Set<string>([
      '/inspector',
      lang === 'en' ? '/inspector?lang=en' : '/inspector',
      workerUrl,
      '/favicon.svg',
    ]);
    for (const el of document.querySelectorAll<HTMLScriptElement>('script[src]'))
      urls.add(new URL(el.src).pathname);
    for (const el of document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]'))
      urls.add(new URL(el.href).pathname);
    for (const e of performance.getEntriesByType('resource')) {
      const u = new URL(e.name);
      if (u.origin === location.origin && u.pathname.startsWith('/_astro/')) urls.add(u.pathname);
    }
    const cache = await caches.open(SHELL_CACHE);
    await cache.addAll([...urls]);
    return true;
  } catch {
    return false;
  }
}

function InspectorConsole(props: { lang: Lang; session: Session | null }): JSX.Element {
  const t = CONSOLE[props.lang];
  const userId = props.session?.user.id ?? localStorage.getItem('ocop.inspector.user') ?? '';
  const [online, setOnline] = useState(navigator.onLine);
  const [inspection, setInspection] = useState(loadInspection);
  const [units, setUnits] = useState<AdminUnit[]>(() => {
    try {
      return JSON.parse(localStorage.getItem(UNITS_KEY) ?? '[]') as AdminUnit[];
    } catch {
      return [];
    }
  });
  const [scan, setScan] = useState<Scan | null>(null);
  const [checking, setChecking] = useState(false);
  const [list, setList] = useState<QueuedFinding[]>([]);
  const [pending, setPending] = useState(0);
  const [syncState, setSyncState] = useState<'idle' | 'syncing' | 'signin'>('idle');
  const [flash, setFlash] = useState<{ kind: 'ok' | 'error' | 'info'; text: string } | null>(null);
  const [offlineReady, setOfflineReady] = useState(false);
  const [sessionOpenAtStart] = useState(() => !inspection.place);

  const refreshList = useCallback(async () => {
    setList(await sessionFindings(inspection.id));
    setPending(userId ? await pendingCount(userId) : 0);
  }, [inspection.id, userId]);

  const sync = useCallback(async () => {
    if (!userId || !navigator.onLine) return;
    if (!loadSession()) {
      setSyncState('signin');
      return;
    }
    setSyncState('syncing');
    const r = await syncQueue(userId, props.lang, () => void refreshList());
    setSyncState(r.kind === 'signin' ? 'signin' : 'idle');
    await refreshList();
  }, [userId, props.lang, refreshList]);

  useEffect(() => {
    if (props.session) localStorage.setItem('ocop.inspector.user', props.session.user.id);
    void refreshList();
    const on = () => {
      setOnline(true);
      void sync();
    };
    const off = () => setOnline(false);
    addEventListener('online', on);
    addEventListener('offline', off);
    const timer = setInterval(() => void sync(), SYNC_EVERY_MS);
    if (navigator.onLine) {
      void sync();
      void refreshOfflineData();
      void cacheShell(props.lang).then(setOfflineReady);
      const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
      void call<{ items: AdminUnit[] }>('GET', `/api/v1/admin-units?on=${today}&parentId=qng-2025`).then(
        (res) => {
          if (!res.ok) return;
          const items = res.data.items.sort((a, b) => a.name.localeCompare(b.name, 'vi'));
          setUnits(items);
          localStorage.setItem(UNITS_KEY, JSON.stringify(items));
        },
      );
    }
    return () => {
      removeEventListener('online', on);
      removeEventListener('offline', off);
      clearInterval(timer);
    };
  }, []);

  const saveInspection = (patch: Partial<InspectionSession>) => {
    const next = { ...inspection, ...patch };
    localStorage.setItem(SESSION_KEY, JSON.stringify(next));
    setInspection(next);
  };

  const check = useCallback(
    async (text: string) => {
      setChecking(true);
      setFlash(null);
      let view: VerifyView | null = null;
      let source: Scan['source'] = 'none';
      let snapshotAt: Date | null = null;
      if (navigator.onLine) {
        const res = await call<VerifyAnswer>('POST', '/api/v1/verify', {
          body: {
            code: text,
            ...(deviceIdFromCookie() ? { deviceId: deviceIdFromCookie() } : {}),
            ...(inspection.areaName ? { area: inspection.areaName.slice(0, 100) } : {}),
          },
          keepSessionOn401: true,
          timeoutMs: 8000,
        });
        if (res.ok) {
          view = toVerifyView(res.data, new Date().toISOString());
          source = 'online';
        }
      }
      if (!view) {
        const data = await loadOfflineData();
        if (data) {
          const r = await verifyOffline(text, data, new Date());
          view = r.view;
          source = 'offline';
          snapshotAt = r.snapshotIssuedAt;
        }
      }
      setChecking(false);
      setScan({ code: text, view, source, snapshotAt, at: new Date().toISOString() });
      if (view) signal(verdictTone(view.verdict));
      else setFlash({ kind: 'error', text: t.noOfflineData });
    },
    [inspection.areaName, t],
  );

  const record = async (f: {
    outcome: string;
    printedStars: number | null;
    note: string;
    photos: Blob[];
  }) => {
    if (!scan) return;
    const id = newId();
    const view = scan.view;
    const certified = view?.certificate?.stars ?? null;
    const item: QueuedFinding = {
      id,
      userId,
      sessionId: inspection.id,
      body: {
        id,
        sessionId: inspection.id,
        observedAt: new Date().toISOString(),
        code: scan.code,
        verdict: view?.verdict ?? (scan.code ? 'status_unknown' : 'not_scanned'),
        verdictSource: scan.code ? scan.source : 'none',
        productId: view?.product?.id ?? null,
        certifiedStars: certified,
        printedStars: f.printedStars,
        outcome: f.outcome,
        place: inspection.place.trim() || null,
        adminUnitId: inspection.adminUnitId || null,
        note: f.note.trim() || null,
      },
      photos: await Promise.all(
        f.photos.map(async (b) => ({ id: newId(), blob: await shrinkPhoto(b), uploaded: false })),
      ),
      state: 'pending',
      attempts: 0,
      createdAt: Date.now(),
      display: {
        productName: view?.product?.name ?? null,
        verdict: view?.verdict ?? 'not_scanned',
        outcome: f.outcome,
      },
    };
    await putFinding(item);
    setScan(null);
    await refreshList();
    setFlash({ kind: 'ok', text: navigator.onLine ? t.recorded : t.recordedQueued });
    focusAfterResult();
    if (navigator.onLine) void sync();
  };

  const exportReport = async (format: 'csv' | 'pdf') => {
    const res = await getBlob(
      `/api/v1/findings/report?format=${format}&sessionId=${inspection.id}&lang=${props.lang}`,
    );
    if (res.ok) saveBlob(res.data, `bien-ban-kiem-tra-${inspection.startedAt.slice(0, 10)}.${format}`);
    else setFlash({ kind: 'error', text: problemText(res, props.lang) });
  };

  const startNew = () => {
    if (!confirm(t.newSessionConfirm)) return;
    setInspection(newInspection(inspection.place, inspection.adminUnitId, inspection.areaName));
    setScan(null);
    setList([]);
  };

  return (
    <div class="console inspector-console">
      <div class="console-head">
        <h1>{t.inspectorTitle}</h1>
        {props.session && (
          <p class="console-user">
            <span>
              {t.signedInAs} <strong>{props.session.user.displayName ?? props.session.user.email}</strong> ·{' '}
              {ROLE_NAME[props.session.user.role]?.[props.lang] ?? props.session.user.role}
            </span>{' '}
            <button type="button" class="button secondary small" onClick={() => signOut(props.lang)}>
              {t.signOut}
            </button>
          </p>
        )}
      </div>
      {props.session && !ROLES.includes(props.session.user.role as 'inspector') && (
        <Notice kind="error">
          {t.wrongRole(ROLE_NAME[props.session.user.role]?.[props.lang] ?? props.session.user.role)}
        </Notice>
      )}
      <div
        class="sync-line"
        role="status"
        aria-live="polite"
        data-online={online ? 'true' : 'false'}
        data-pending={pending}
      >
        <span>
          <span class={`dot ${online ? '' : 'off'}`} aria-hidden="true" />
          {online ? t.online : t.offline}
        </span>
        <span id="queue-status">{syncState === 'syncing' ? t.syncing : t.queue(pending)}</span>
        {pending > 0 && online && syncState !== 'syncing' && (
          <button type="button" class="button secondary small" onClick={() => void sync()}>
            {t.syncNow}
          </button>
        )}
        {offlineReady && <span class="hint">{t.offlineReady}</span>}
      </div>
      {syncState === 'signin' && (
        <Notice kind="warn">
          <p>{t.syncNeedsSignIn}</p>
          <a class="button small" href={signInHref(props.lang, '/inspector')}>
            {t.signIn}
          </a>
        </Notice>
      )}
      <details class="panel session-panel" open={sessionOpenAtStart}>
        <summary>
          {t.session}: {inspection.place || t.none} · {inspection.areaName || t.none} ·{' '}
          {t.sessionStarted(formatDateTime(inspection.startedAt, props.lang))}
        </summary>
        <div class="session-bar">
          <Field id="place" label={t.place}>
            <input
              id="place"
              type="text"
              maxLength={300}
              value={inspection.place}
              onInput={(e) => saveInspection({ place: e.currentTarget.value })}
            />
          </Field>
          <Field id="area" label={t.area}>
            <select
              id="area"
              value={inspection.adminUnitId}
              onChange={(e) => {
                const id = e.currentTarget.value;
                saveInspection({ adminUnitId: id, areaName: units.find((u) => u.id === id)?.name ?? '' });
              }}
            >
              <option value="">{t.chooseArea}</option>
              {units.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <p class="actions">
          <button type="button" class="button secondary small" onClick={startNew}>
            {t.newSession}
          </button>
        </p>
      </details>

      <Scanner lang={props.lang} onCode={check} busy={checking} />

      {flash && (
        <div id="inspector-flash" tabIndex={-1}>
          <Notice kind={flash.kind === 'info' ? 'info' : flash.kind}>{flash.text}</Notice>
        </div>
      )}
      {checking && (
        <p role="status" class="muted">
          {t.checking}
        </p>
      )}
      {scan && (
        <ScanResult
          key={scan.at}
          lang={props.lang}
          scan={scan}
          onRecord={record}
          onCancel={() => {
            setScan(null);
            focusAfterResult();
          }}
        />
      )}
      {!scan && (
        <p>
          <button
            type="button"
            class="button secondary"
            onClick={() =>
              setScan({
                code: null,
                view: null,
                source: 'none',
                snapshotAt: null,
                at: new Date().toISOString(),
              })
            }
          >
            {t.noPack}
          </button>
        </p>
      )}

      <section class="panel" aria-labelledby="session-findings">
        <h2 id="session-findings">{t.sessionFindings}</h2>
        {list.length === 0 ? (
          <p class="muted">{t.noFindings}</p>
        ) : (
          <ol class="findings-list">
            {list
              .slice()
              .reverse()
              .map((f) => (
                <li key={f.id} data-finding-id={f.id} data-state={f.state}>
                  <strong>{OUTCOME[f.display.outcome]?.[props.lang] ?? f.display.outcome}</strong> ·{' '}
                  {VERDICT_TEXT[f.display.verdict as Verdict]?.[props.lang].title ?? f.display.verdict}
                  {f.display.productName ? ` · ${f.display.productName}` : ''}
                  <div class="hint">
                    {formatDateTime(f.body.observedAt, props.lang)} ·{' '}
                    <span
                      class={`badge ${f.state === 'synced' ? 'good' : f.state === 'failed' ? 'bad' : 'caution'}`}
                    >
                      {f.state === 'synced' ? t.synced : f.state === 'failed' ? t.failed : t.pending}
                    </span>
                    {f.photos.length > 0 ? ` · ${t.photoCount(f.photos.length)}` : ''}
                    {f.error ? ` · ${f.error}` : ''}
                  </div>
                </li>
              ))}
          </ol>
        )}
        <p class="actions">
          <button
            type="button"
            class="button secondary small"
            disabled={!online}
            onClick={() => void exportReport('csv')}
          >
            {t.exportCsv}
          </button>
          <button
            type="button"
            class="button secondary small"
            disabled={!online}
            onClick={() => void exportReport('pdf')}
          >
            {t.exportPdf}
          </button>
        </p>
        <p class="hint">{t.exportNeedsSync}</p>
      </section>
    </div>
  );
}

/** Camera → frames → the site's jsQR worker → `onCode` for each new code (continuous). */
function Scanner(props: { lang: Lang; onCode: (text: string) => Promise<void>; busy: boolean }): JSX.Element {
  const t = CONSOLE[props.lang];
  const video = useRef<HTMLVideoElement>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [manual, setManual] = useState('');
  const state = useRef({
    stream: null as MediaStream | null,
    running: false,
    lastText: '',
    lastAt: 0,
    busy: false,
  });
  const worker = useRef<Worker | null>(null);
  const pending = useRef(new Map<number, (text: string | null) => void>());
  const nextId = useRef(1);
  const onCode = useRef(props.onCode);
  onCode.current = props.onCode;

  useEffect(() => {
    const w = new Worker(workerUrl, { type: 'module' });
    w.onmessage = (e: MessageEvent<DecodeResponse>) => {
      pending.current.get(e.data.id)?.(e.data.text);
      pending.current.delete(e.data.id);
    };
    worker.current = w;
    const hidden = () => {
      if (document.hidden) stop();
    };
    document.addEventListener('visibilitychange', hidden);
    return () => {
      stop();
      w.terminate();
      document.removeEventListener('visibilitychange', hidden);
    };
  }, []);

  const decode = (img: ImageData) =>
    new Promise<string | null>((resolve) => {
      const id = nextId.current++;
      pending.current.set(id, resolve);
      const msg: DecodeRequest = {
        id,
        width: img.width,
        height: img.height,
        data: img.data.buffer,
        invert: false,
      };
      worker.current?.postMessage(msg, [img.data.buffer]);
    });

  const canvas = useRef<HTMLCanvasElement | null>(null);
  const tick = async () => {
    const s = state.current;
    const v = video.current;
    if (!s.running || !v) return;
    canvas.current ??= document.createElement('canvas');
    const c = canvas.current;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    if (!s.busy && ctx && v.readyState >= 2 && v.videoWidth > 0) {
      const scale = Math.min(1, MAX_FRAME_SIDE / Math.max(v.videoWidth, v.videoHeight));
      c.width = Math.round(v.videoWidth * scale);
      c.height = Math.round(v.videoHeight * scale);
      ctx.drawImage(v, 0, 0, c.width, c.height);
      const text = await decode(ctx.getImageData(0, 0, c.width, c.height));
      const now = Date.now();
      if (text && !(text === s.lastText && now - s.lastAt < SAME_CODE_PAUSE_MS)) {
        s.lastText = text;
        s.lastAt = now;
        s.busy = true;
        await onCode.current(text);
        s.busy = false;
      } else if (text) {
        s.lastAt = now;
      }
    }
    if (s.running) setTimeout(() => void tick(), 90);
  };

  const start = async () => {
    unlockAudio();
    setError(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
      state.current.stream = stream;
      if (video.current) {
        video.current.srcObject = stream;
        await video.current.play().catch(() => undefined);
      }
      state.current.running = true;
      setRunning(true);
      void tick();
    } catch {
      setError(t.noCamera);
    }
  };

  function stop(): void {
    state.current.running = false;
    for (const tr of state.current.stream?.getTracks() ?? []) tr.stop();
    state.current.stream = null;
    if (video.current) video.current.srcObject = null;
    setRunning(false);
  }

  return (
    <section class="scanner" aria-labelledby="scanner-title">
      <h2 id="scanner-title" class="visually-hidden">
        {t.startCamera}
      </h2>
      <p id="camera-help" class="hint">
        {t.cameraHelp}
      </p>
      <div class="viewfinder" hidden={!running}>
        <video ref={video} muted playsInline aria-describedby="camera-help" />
        <div class="frame" aria-hidden="true" />
      </div>
      <p class="actions">
        {!running ? (
          <button type="button" class="button" id="start-camera" onClick={() => void start()}>
            {t.startCamera}
          </button>
        ) : (
          <button type="button" class="button secondary" id="stop-camera" onClick={stop}>
            {t.stopCamera}
          </button>
        )}
      </p>
      {error && <Notice kind="error">{error}</Notice>}
      <details>
        <summary>{t.manualCode}</summary>
        <form
          id="manual-form"
          onSubmit={(e) => {
            e.preventDefault();
            unlockAudio();
            const text = manual.trim();
            if (text) void props.onCode(text);
          }}
        >
          <Field id="manual-code" label={t.manualLabel}>
            <input
              id="manual-code"
              type="url"
              inputMode="url"
              autoComplete="off"
              value={manual}
              onInput={(e) => setManual(e.currentTarget.value)}
            />
          </Field>
          <button type="submit" class="button" disabled={props.busy}>
            {t.check}
          </button>
        </form>
      </details>
    </section>
  );
}

/**
 * Once a result is recorded or dismissed its panel goes, and the focus in it would fall to the
 * page's body: put it on the confirmation (after the scanner, before the session's findings), or on
 * the camera button, so the next product starts from there.
 */
function focusAfterResult(): void {
  setTimeout(() => {
    const to =
      document.getElementById('inspector-flash') ??
      document.getElementById('start-camera') ??
      document.getElementById('stop-camera');
    to?.focus();
  }, 0);
}

function ScanResult(props: {
  lang: Lang;
  scan: Scan;
  onRecord: (f: {
    outcome: string;
    printedStars: number | null;
    note: string;
    photos: Blob[];
  }) => Promise<void>;
  onCancel: () => void;
}): JSX.Element {
  const t = CONSOLE[props.lang];
  const view = props.scan.view;
  const verdict: Verdict | 'not_scanned' = view?.verdict ?? 'not_scanned';
  const tone = view ? verdictTone(view.verdict) : 'neutral';
  const text = view ? VERDICT_TEXT[view.verdict][props.lang] : null;
  const certified = view?.certificate?.stars ?? null;
  const certValid =
    view?.certificate?.status === 'valid' ||
    view?.verdict === 'genuine' ||
    view?.verdict === 'suspected_copy';
  const [printed, setPrinted] = useState<number | null>(null);
  const [outcome, setOutcome] = useState(presetOutcome(verdict));
  const [note, setNote] = useState('');
  const [photos, setPhotos] = useState<Blob[]>([]);
  const [saving, setSaving] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const mismatch = printed !== null && certified !== null && certValid && printed !== certified;
  const choosePrinted = (n: number) => {
    setPrinted(n);
    const bad = certified !== null && certValid && n !== certified;
    if (bad && outcome === 'compliant') setOutcome('stars_mismatch');
    if (!bad && outcome === 'stars_mismatch') setOutcome(presetOutcome(verdict));
  };

  return (
    <section class="scan-result" aria-labelledby="verdict-heading">
      <div class={`verdict-big tone-${tone}`} data-verdict={verdict}>
        <h2 id="verdict-heading" tabIndex={-1} ref={heading}>
          {text ? text.title : t.noPack}
        </h2>
        {view?.product && <p class="product-line">{view.product.name}</p>}
        {view?.producer && <p>{view.producer.name}</p>}
        {text && <p>{text.body}</p>}
        {view?.batch && (
          <p>
            {t.lot}: {view.batch.lot}
            {view.batch.serial ? ` · ${view.batch.serial}` : ''}
          </p>
        )}
        {view?.scanHistory && <p>{t.scanHistory(view.scanHistory.count)}</p>}
        {props.scan.code && (
          <p class="hint-light">
            {props.scan.source === 'online'
              ? t.checkedOnline
              : props.scan.snapshotAt
                ? t.checkedOffline(ageText(props.scan.snapshotAt, new Date(), props.lang))
                : t.checkedOffline('?')}
          </p>
        )}
      </div>
      {view && (
        <div class="star-compare">
          <p>
            <strong>{t.certifiedStars}:</strong>{' '}
            {certified !== null && certValid ? <Stars n={certified} lang={props.lang} size="lg" /> : t.none}
          </p>
          {!certValid && <p>{t.starsNotCertified}</p>}
          <fieldset>
            <legend>{t.printedStarsQuestion}</legend>
            <div class="star-buttons">
              {[0, 1, 2, 3, 4, 5].map((n) => (
                <button
                  key={n}
                  type="button"
                  aria-pressed={printed === n}
                  onClick={() => choosePrinted(n)}
                  data-printed-stars={n}
                >
                  {n === 0 ? t.noStars : `${n}★`}
                </button>
              ))}
            </div>
          </fieldset>
          {mismatch && (
            <p class="mismatch" role="alert">
              {t.starsMismatch(printed, certified)}
            </p>
          )}
          {printed !== null && !mismatch && certified !== null && certValid && <p>{t.starsMatch}</p>}
        </div>
      )}
      <form
        class="finding-form"
        onSubmit={(e) => {
          e.preventDefault();
          setSaving(true);
          void props
            .onRecord({ outcome, printedStars: printed, note, photos })
            .finally(() => setSaving(false));
        }}
      >
        <fieldset>
          <legend>{t.outcome}</legend>
          <div class="outcome-buttons">
            {OUTCOMES.map((o) => (
              <button
                key={o}
                type="button"
                aria-pressed={outcome === o}
                data-outcome={o}
                onClick={() => setOutcome(o)}
              >
                {OUTCOME[o]?.[props.lang]}
              </button>
            ))}
          </div>
        </fieldset>
        <Field id="finding-note" label={`${t.note} ${t.optional}`}>
          <textarea
            id="finding-note"
            maxLength={4000}
            rows={2}
            value={note}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
        </Field>
        <Field
          id="finding-photos"
          label={`${t.photos} ${t.optional}`}
          hint={photos.length ? t.photoCount(photos.length) : undefined}
        >
          <input
            id="finding-photos"
            type="file"
            accept="image/*"
            capture="environment"
            multiple
            onChange={(e) => {
              const files = [...(e.currentTarget.files ?? [])].slice(0, 6);
              setPhotos((p) => [...p, ...files].slice(0, 6));
            }}
          />
        </Field>
        <button type="submit" class="button record-button" id="record-finding" disabled={saving}>
          {t.record}: {OUTCOME[outcome]?.[props.lang]}
        </button>
        <p class="actions">
          <button type="button" class="button ghost small" onClick={props.onCancel}>
            {t.cancel}
          </button>
        </p>
      </form>
    </section>
  );
}

const root = document.getElementById('console');
if (root) {
  const lang: Lang = root.dataset.lang === 'en' ? 'en' : 'vi';
  const session = loadSession();
  // Offline without a session the inspector still scans and records; sign-in is needed to sync.
  if (!session && navigator.onLine) location.assign(signInHref(lang, '/inspector' + location.search));
  else {
    root.textContent = '';
    render(<InspectorConsole lang={lang} session={session} />, root);
  }
}
