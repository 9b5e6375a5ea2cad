/**
 * The scan page: camera → frames → jsQR in a worker → verification (the API online, the shared
 * pure verifier offline) → the verdict on the page. Continuous: the camera keeps running and a new
 * code replaces the last result; the same code is not re-checked within a few seconds.
 */
import workerUrl from './qr-worker.ts?worker&url';
import type { DecodeRequest, DecodeResponse } from './qr-worker.ts';
import { SCAN, formatDateTime, type Lang } from '../lib/i18n.ts';
import { toVerifyView, type VerifyAnswer } from '../lib/verify-view.ts';
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE, isDeviceId, newDeviceId } from '../lib/device.ts';
import { loadOfflineData, refreshOfflineData, snapshotIssuedAt, verifyOffline } from './offline.ts';
import { ageText, renderResult, type Shown } from './render.ts';

const SHELL_CACHE = 'ocop-shell-v1';
const SAME_CODE_PAUSE_MS = 4000;
const MAX_FRAME_SIDE = 720;

const app = document.getElementById('scan-app');
if (app) main(app);

/** The same device id as the verification pages use (lib/device.ts). */
function deviceId(): string {
  const m = new RegExp(`(?:^|; )${DEVICE_COOKIE}=([^;]*)`).exec(document.cookie);
  const found = m?.[1];
  if (isDeviceId(found)) return found;
  const id = newDeviceId();
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = `${DEVICE_COOKIE}=${id}; Path=/; Max-Age=${DEVICE_COOKIE_MAX_AGE}; SameSite=Lax${secure}`;
  return id;
}

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el;
}

function main(root: HTMLElement): void {
  const lang: Lang = root.dataset.lang === 'en' ? 'en' : 'vi';
  const s = SCAN[lang];
  const video = $('video') as HTMLVideoElement;
  const idle = $('idle');
  const startBtn = $('start') as HTMLButtonElement;
  const stopBtn = $('stop') as HTMLButtonElement;
  const torchBtn = $('torch') as HTMLButtonElement;
  const status = $('status');
  const result = $('result');
  const offlineInfo = $('offline-info');
  const canvas = document.createElement('canvas');
  const ctx2d = canvas.getContext('2d', { willReadFrequently: true });

  const worker = new Worker(workerUrl, { type: 'module' });
  let nextId = 1;
  const pending = new Map<number, (text: string | null) => void>();
  worker.onmessage = (e: MessageEvent<DecodeResponse>) => {
    pending.get(e.data.id)?.(e.data.text);
    pending.delete(e.data.id);
  };
  const decode = (img: ImageData, invert: boolean) =>
    new Promise<string | null>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      const msg: DecodeRequest = { id, width: img.width, height: img.height, data: img.data.buffer, invert };
      worker.postMessage(msg, [img.data.buffer]);
    });

  let stream: MediaStream | null = null;
  let track: MediaStreamTrack | null = null;
  let torchOn = false;
  let running = false;
  let lastText = '';
  let lastAt = 0;
  let checking = false;

  const say = (text: string) => {
    status.textContent = text;
  };

  async function showOfflineInfo(): Promise<void> {
    const data = await loadOfflineData();
    const at = data ? snapshotIssuedAt(data.snapshot) : null;
    if (!at) {
      offlineInfo.textContent = s.noOfflineData;
      offlineInfo.removeAttribute('data-snapshot-iat');
      return;
    }
    offlineInfo.dataset.snapshotIat = String(Math.floor(at.getTime() / 1000));
    offlineInfo.textContent = `${s.offlineData}: ${s.snapshotAge(ageText(at, new Date(), lang), formatDateTime(at.toISOString(), lang))}.`;
  }

  async function check(text: string): Promise<void> {
    checking = true;
    say(s.checking);
    let shown: Shown | null = null;
    if (navigator.onLine) {
      try {
        const res = await fetch('/api/v1/verify', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ code: text, deviceId: deviceId() }),
          signal: AbortSignal.timeout(8000),
        });
        if (res.ok) {
          shown = {
            view: toVerifyView((await res.json()) as VerifyAnswer, new Date().toISOString()),
            code: text,
            source: 'online',
            snapshotIssuedAt: null,
          };
        }
      } catch {
        shown = null;
      }
    }
    if (!shown) {
      const data = await loadOfflineData();
      if (data) {
        const r = await verifyOffline(text, data, new Date());
        shown = { view: r.view, code: text, source: 'offline', snapshotIssuedAt: r.snapshotIssuedAt };
      }
    }
    checking = false;
    if (!shown) {
      say(s.noOfflineData);
      return;
    }
    say('');
    renderResult(result, shown, lang);
    navigator.vibrate?.(shown.view.verdict === 'genuine' ? 60 : [60, 80, 60]);
  }

  function seen(text: string): boolean {
    const now = Date.now();
    if (text === lastText && now - lastAt < SAME_CODE_PAUSE_MS) return true;
    lastText = text;
    lastAt = now;
    return false;
  }

  async function tick(): Promise<void> {
    if (!running || !ctx2d) return;
    if (!checking && video.readyState >= 2 && video.videoWidth > 0) {
      const scale = Math.min(1, MAX_FRAME_SIDE / Math.max(video.videoWidth, video.videoHeight));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      ctx2d.drawImage(video, 0, 0, canvas.width, canvas.height);
      const text = await decode(ctx2d.getImageData(0, 0, canvas.width, canvas.height), false);
      if (text && !seen(text)) await check(text);
    }
    if (running) setTimeout(() => void tick(), 80);
  }

  async function start(): Promise<void> {
    if (running) return;
    say(s.starting);
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch {
      say(s.noCamera);
      return;
    }
    track = stream.getVideoTracks()[0] ?? null;
    video.srcObject = stream;
    await video.play().catch(() => undefined);
    running = true;
    idle.hidden = true;
    startBtn.hidden = true;
    stopBtn.hidden = false;
    // Torch only where the camera says it has one (MediaStreamTrack capabilities).
    const caps = (track?.getCapabilities?.() ?? {}) as MediaTrackCapabilities & { torch?: boolean };
    torchBtn.hidden = !caps.torch;
    say(s.scanning);
    void tick();
  }

  function stop(): void {
    running = false;
    for (const t of stream?.getTracks() ?? []) t.stop();
    stream = null;
    track = null;
    torchOn = false;
    video.srcObject = null;
    idle.hidden = false;
    startBtn.hidden = false;
    stopBtn.hidden = true;
    torchBtn.hidden = true;
    torchBtn.setAttribute('aria-pressed', 'false');
    torchBtn.textContent = s.torchOn;
    say('');
  }

  async function toggleTorch(): Promise<void> {
    if (!track) return;
    try {
      await track.applyConstraints({ advanced: [{ torch: !torchOn } as MediaTrackConstraintSet] });
      torchOn = !torchOn;
      torchBtn.setAttribute('aria-pressed', String(torchOn));
      torchBtn.textContent = torchOn ? s.torchOff : s.torchOn;
    } catch {
      torchBtn.hidden = true;
    }
  }

  startBtn.addEventListener('click', () => void start());
  stopBtn.addEventListener('click', stop);
  torchBtn.addEventListener('click', () => void toggleTorch());
  document.addEventListener('visibilitychange', () => {
    if (document.hidden && running) stop();
  });

  $('manual').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('code-input') as HTMLInputElement;
    const text = input.value.trim();
    if (text) void check(text);
  });

  ($('file-input') as HTMLInputElement).addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file || !ctx2d) return;
    void (async () => {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      ctx2d.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const text = await decode(ctx2d.getImageData(0, 0, canvas.width, canvas.height), true);
      if (text) await check(text);
      else say(s.fileNone);
    })();
  });

  void showOfflineInfo();
  void setUpOffline(lang).then(showOfflineInfo);

  // Opened offline at a code URL: the service worker answered with this page; check that code.
  if (/^\/(?:01|p)\//.test(location.pathname)) void check(location.href);
}

/**
 * Register the service worker, keep this page and every script it loaded in the shell cache, and
 * refresh the offline data. Works without them (no service worker: online only).
 */
async function setUpOffline(lang: Lang): Promise<void> {
  if (navigator.onLine) await refreshOfflineData();
  if (!('serviceWorker' in navigator) || !('caches' in window)) return;
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    await navigator.serviceWorker.ready;
    if (!navigator.onLine) return;
    const urls = new Set<string>([
      '/scan',
      lang === 'en' ? '/scan?lang=en' : '/scan',
      workerUrl,
      '/favicon.svg',
      '/manifest.webmanifest',
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
    document.documentElement.dataset.offlineReady = 'true';
  } catch {
    // Offline use is a bonus; scanning online still works.
  }
}
