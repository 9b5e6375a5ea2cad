/**
 * The inspector's offline queue (IndexedDB): every finding is stored on the device first, with an
 * id made here, then synced. Sync is exactly-once by construction:
 * - the finding's id is made when the inspector records it and never changes, and it is sent as
 *   the body's `id` and as `Idempotency-Key`: the server stores a given id once, so a retry after a
 *   lost answer (sent, stored, answer never arrived) changes nothing;
 * - photos go with `PUT /api/v1/findings/{id}/photos/{photoId}`, also with ids made here;
 * - one sync runs at a time across tabs (Web Locks), and an item is marked synced only after the
 *   server said so, so nothing is skipped either.
 * Items remember the account that recorded them; another account never syncs them.
 */
import { call } from './console.ts';
import { problemText, type Lang } from './console-i18n.ts';

export interface FindingBody {
  id: string;
  sessionId: string;
  observedAt: string;
  code: string | null;
  verdict: string;
  verdictSource: 'online' | 'offline' | 'none';
  productId: string | null;
  certifiedStars: number | null;
  printedStars: number | null;
  outcome: string;
  place: string | null;
  adminUnitId: string | null;
  note: string | null;
}

export interface QueuedPhoto {
  id: string;
  blob: Blob;
  uploaded: boolean;
  error?: string;
}

export interface QueuedFinding {
  id: string;
  userId: string;
  sessionId: string;
  body: FindingBody;
  photos: QueuedPhoto[];
  state: 'pending' | 'synced' | 'failed';
  error?: string;
  attempts: number;
  createdAt: number;
  syncedAt?: number;
  /** What the list shows without the network. */
  display: { productName: string | null; verdict: string; outcome: string };
}

const DB = 'ocop-inspector';
const STORE = 'findings';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORE)) {
        const s = db.createObjectStore(STORE, { keyPath: 'id' });
        s.createIndex('session', 'sessionId');
        s.createIndex('state', 'state');
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('indexedDB open failed'));
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error ?? new Error('indexedDB transaction failed'));
      t.onabort = () => reject(t.error ?? new Error('indexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

export async function putFinding(item: QueuedFinding): Promise<void> {
  await tx('readwrite', (s) => s.put(item));
}

export async function allFindings(): Promise<QueuedFinding[]> {
  const items = await tx<QueuedFinding[]>('readonly', (s) => s.getAll() as IDBRequest<QueuedFinding[]>);
  return items.sort((a, b) => a.createdAt - b.createdAt);
}

export async function sessionFindings(sessionId: string): Promise<QueuedFinding[]> {
  return (await allFindings()).filter((f) => f.sessionId === sessionId);
}

export async function pendingCount(userId: string): Promise<number> {
  return (await allFindings()).filter((f) => f.userId === userId && f.state === 'pending').length;
}

export type SyncOutcome =
  | { kind: 'done'; synced: number }
  | { kind: 'offline'; synced: number }
  | { kind: 'signin'; synced: number }
  | { kind: 'busy' };

let running = false;

/** Send every pending finding of `userId`, oldest first; stops at the first network failure. */
export async function syncQueue(userId: string, lang: Lang, onProgress?: () => void): Promise<SyncOutcome> {
  if (running) return { kind: 'busy' };
  running = true;
  try {
    const work = () => syncOnce(userId, lang, onProgress);
    if ('locks' in navigator && navigator.locks) {
      const r = (await navigator.locks.request('ocop-inspector-sync', { ifAvailable: true }, async (lock) =>
        lock ? work() : ({ kind: 'busy' } as const),
      )) as SyncOutcome;
      return r;
    }
    return await work();
  } finally {
    running = false;
  }
}

async function syncOnce(userId: string, lang: Lang, onProgress?: () => void): Promise<SyncOutcome> {
  let synced = 0;
  const items = (await allFindings()).filter((f) => f.userId === userId && f.state === 'pending');
  for (const item of items) {
    item.attempts += 1;
    const res = await call<{ id: string }>('POST', '/api/v1/findings', {
      body: item.body,
      headers: { 'idempotency-key': item.id },
      keepSessionOn401: true,
      timeoutMs: 20_000,
    });
    if (!res.ok) {
      if (
        res.status === 0 ||
        res.status >= 500 ||
        res.status === 429 ||
        (res.status === 409 && res.problem.code === 'idempotency_in_progress')
      ) {
        await putFinding(item);
        return { kind: 'offline', synced };
      }
      if (res.status === 401) return { kind: 'signin', synced };
      item.state = 'failed';
      item.error = problemText(res, lang);
      await putFinding(item);
      onProgress?.();
      continue;
    }
    for (const photo of item.photos) {
      if (photo.uploaded) continue;
      const up = await call('PUT', `/api/v1/findings/${item.id}/photos/${photo.id}`, {
        raw: photo.blob,
        keepSessionOn401: true,
        timeoutMs: 60_000,
      });
      if (up.ok) {
        photo.uploaded = true;
      } else if (up.status === 0 || up.status >= 500 || up.status === 429) {
        await putFinding(item);
        return { kind: 'offline', synced };
      } else if (up.status === 401) {
        await putFinding(item);
        return { kind: 'signin', synced };
      } else {
        // A photo the server refuses (too large, not an image) will never pass: keep the finding.
        photo.uploaded = true;
        photo.error = problemText(up, lang);
      }
      await putFinding(item);
    }
    item.state = 'synced';
    item.syncedAt = Date.now();
    item.error = undefined;
    await putFinding(item);
    synced += 1;
    onProgress?.();
  }
  return { kind: 'done', synced };
}

/** A camera photo made small before it waits in the queue (the server re-encodes it anyway). */
export async function shrinkPhoto(file: Blob, maxSide = 1600): Promise<Blob> {
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.82));
    return blob ?? file;
  } catch {
    return file;
  }
}
