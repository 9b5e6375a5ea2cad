/*
 * OCOP Trace service worker: after one visit, the scan page works without network (DESIGN
 * "Offline"). It keeps the scan page and the hashed build assets (/_astro/, cache first: their
 * names change with their content); pages are network first. Offline, a code URL opened from a
 * phone's camera gets the scan page, which then verifies that code on the device. Verification data
 * (JWKS, registry snapshot) is kept by the page itself (src/scripts/offline.ts).
 */
const SHELL = 'ocop-shell-v1';
const DATA = 'ocop-data-v1';
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(['/scan', '/favicon.svg']))
      .catch(() => undefined)
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL && k !== DATA).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

async function cacheFirst(request) {
  const hit = await caches.match(request);
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok) {
    const cache = await caches.open(SHELL);
    await cache.put(request, res.clone());
  }
  return res;
}

async function scanShell(url) {
  const cache = await caches.open(SHELL);
  return (
    (await cache.match(url.pathname + url.search)) ||
    (await cache.match(url.searchParams.get('lang') === 'en' ? '/scan?lang=en' : '/scan')) ||
    (await cache.match('/scan'))
  );
}

async function page(request) {
  const url = new URL(request.url);
  try {
    const res = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (res.ok && url.pathname === '/scan') {
      const cache = await caches.open(SHELL);
      await cache.put(url.pathname + url.search, res.clone());
    }
    return res;
  } catch (err) {
    const shell = await scanShell(url);
    if (shell) return shell;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (
    url.pathname.startsWith('/_astro/') ||
    url.pathname.startsWith('/img/') ||
    url.pathname === '/favicon.svg'
  ) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === 'navigate' && !url.pathname.startsWith('/api/')) {
    event.respondWith(page(request));
  }
});
