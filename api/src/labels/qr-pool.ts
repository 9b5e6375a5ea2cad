import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { encodeQr, fromModules, type QrMatrix } from './qr.ts';
import type { LabelData } from './types.ts';

/**
 * `QRCode.create` is the cost of a label (~3 ms of synchronous JavaScript: segment optimisation
 * and the choice of mask; everything else is cached per batch). A small pool of worker threads
 * encodes the codes of a job ahead of the drawing, so the main thread — which also serves the
 * API — only draws, and a second core works. Workers are started on first use and keep the process
 * alive only while they have work.
 */

interface Encoded {
  version?: number;
  size?: number;
  data?: Uint8Array;
  error?: string;
}

interface Pending {
  urls: string[];
  resolve: (m: QrMatrix[]) => void;
  reject: (e: Error) => void;
}

export class QrPool {
  private readonly workers: { worker: Worker; pending: Map<number, Pending> }[] = [];
  private seq = 0;
  private turn = 0;

  constructor(readonly size: number) {}

  /** Encodes the URLs (at `version` when they fit it), in order. */
  encode(urls: string[], version?: number): Promise<QrMatrix[]> {
    const slot = this.slot();
    const id = ++this.seq;
    return new Promise<QrMatrix[]>((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { urls, resolve, reject });
      slot.worker.postMessage({ id, urls, version });
    });
  }

  /** Stops the workers (tests; a server lets them idle). */
  async close(): Promise<void> {
    const all = this.workers.splice(0);
    await Promise.all(all.map((w) => w.worker.terminate()));
  }

  private slot() {
    if (this.workers.length < this.size) this.workers.push(this.spawn());
    const slot = this.workers[this.turn++ % this.workers.length]!;
    return slot;
  }

  private spawn() {
    const worker = new Worker(new URL('./qr-worker.mjs', import.meta.url));
    const pending = new Map<number, Pending>();
    const entry = { worker, pending };
    const fail = (err: Error) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      const i = this.workers.indexOf(entry);
      if (i >= 0) this.workers.splice(i, 1);
    };
    worker.on('message', ({ id, out }: { id: number; out: Encoded[] }) => {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      if (pending.size === 0) worker.unref();
      const matrices: QrMatrix[] = [];
      for (const [i, e] of out.entries()) {
        if (e.error !== undefined || !e.data || !e.size || !e.version) {
          p.reject(new RangeError(`this text does not fit a QR code: ${e.error ?? 'no matrix'}`));
          return;
        }
        matrices.push(fromModules(p.urls[i]!, e.version, e.size, e.data));
      }
      p.resolve(matrices);
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`QR worker exited (${code})`)));
    worker.unref();
    return entry;
  }
}

let shared: QrPool | null | undefined;

/** Workers for QR encoding: one fewer than the cores (at most 3), none on a single core. */
export function sharedQrPool(): QrPool | null {
  if (shared === undefined) {
    const n = Math.min(3, availableParallelism() - 1);
    shared = n > 0 ? new QrPool(n) : null;
  }
  return shared;
}

/**
 * The labels with their QR matrices, encoded ahead in chunks by the pool (or inline without one).
 * The first code is encoded here and sets the job's QR version, so every symbol of a sheet has one
 * size. At most `ahead` chunks are in flight: memory stays bounded however long the job.
 */
export async function* withQr(
  labels: Iterable<LabelData> | AsyncIterable<LabelData>,
  pool: QrPool | null,
  opts: { chunk?: number; ahead?: number; version?: number } = {},
): AsyncGenerator<{ data: LabelData; qr: QrMatrix }> {
  const chunkSize = opts.chunk ?? 32;
  const ahead = opts.ahead ?? 3;
  let version = opts.version;
  const queue: { items: LabelData[]; result: Promise<QrMatrix[]> }[] = [];
  let chunk: LabelData[] = [];

  const dispatch = () => {
    const items = chunk;
    chunk = [];
    const urls = items.map((d) => d.url);
    const result = pool ? pool.encode(urls, version) : Promise.resolve(urls.map((u) => encodeQr(u, version)));
    // Awaited in order below; a job stopped early must not leave a rejection unhandled.
    result.catch(() => undefined);
    queue.push({ items, result });
  };
  async function* drain(keep: number): AsyncGenerator<{ data: LabelData; qr: QrMatrix }> {
    while (queue.length > keep) {
      const { items, result } = queue.shift()!;
      const matrices = await result;
      for (let i = 0; i < items.length; i++) yield { data: items[i]!, qr: matrices[i]! };
    }
  }

  for await (const data of labels) {
    if (version === undefined) {
      const qr = encodeQr(data.url);
      version = qr.version;
      yield { data, qr };
      continue;
    }
    chunk.push(data);
    if (chunk.length >= chunkSize) {
      dispatch();
      yield* drain(ahead);
    }
  }
  if (chunk.length > 0) dispatch();
  yield* drain(0);
}
