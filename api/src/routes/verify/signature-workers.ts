import { Worker } from 'node:worker_threads';

interface Job {
  x: string;
  y: string;
  input: string;
  signature: Uint8Array;
  resolve: (ok: boolean) => void;
}

/** What to do with a job its worker could not finish (it crashed or was stopped). */
type Fallback = (job: Omit<Job, 'resolve'>) => boolean;

/**
 * ES256 checks on worker threads, so that a burst of first scans (each one a signature nobody
 * checked yet) uses the other cores while the main thread reads the registry and answers. Checks
 * asked for in the same turn of the event loop travel as one message, round-robin over the
 * workers. Workers start on the first check, do not keep the process alive, and a worker that
 * fails hands its checks back to `fallback` (checked on the main thread) and is replaced on the
 * next check.
 */
export class SignatureWorkers {
  readonly #workers: (Worker | null)[];
  readonly #pending = new Map<number, { worker: Worker; jobs: Job[] }>();
  #queue: Job[] = [];
  #next = 0;
  #seq = 0;
  #closed = false;

  constructor(
    readonly size: number,
    private readonly fallback: Fallback,
  ) {
    this.#workers = new Array<Worker | null>(size).fill(null);
  }

  check(x: string, y: string, input: string, signature: Uint8Array): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const job = { x, y, input, signature, resolve };
      if (this.#closed) return resolve(this.fallback(job));
      this.#queue.push(job);
      if (this.#queue.length === 1) setImmediate(() => this.#send());
    });
  }

  #send(): void {
    const jobs = this.#queue;
    this.#queue = [];
    if (jobs.length === 0 || this.#closed) return;
    const slot = this.#next++ % this.size;
    const worker = this.#workers[slot] ?? this.#start(slot);
    const id = this.#seq++;
    this.#pending.set(id, { worker, jobs });
    let message = String(id);
    for (const j of jobs) {
      message += `\n${j.x} ${j.y} ${j.input} ${Buffer.from(j.signature).toString('base64url')}`;
    }
    worker.postMessage(message);
  }

  #start(slot: number): Worker {
    const worker = new Worker(new URL('./signature-worker.mjs', import.meta.url));
    worker.unref();
    worker.on('message', (message: string) => {
      const newline = message.indexOf('\n');
      const id = Number(message.slice(0, newline));
      const batch = this.#pending.get(id);
      if (!batch) return;
      this.#pending.delete(id);
      batch.jobs.forEach((job, i) => job.resolve(message.charCodeAt(newline + 1 + i) === 49)); // '1'
    });
    const lost = () => {
      if (this.#workers[slot] === worker) this.#workers[slot] = null;
      for (const [id, batch] of this.#pending) {
        if (batch.worker !== worker) continue;
        this.#pending.delete(id);
        for (const job of batch.jobs) job.resolve(this.fallback(job));
      }
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.#workers[slot] = worker;
    return worker;
  }

  /** Stops the workers; checks still in flight, and any later one, run on the main thread. */
  async close(): Promise<void> {
    this.#closed = true;
    const queued = this.#queue;
    this.#queue = [];
    for (const job of queued) job.resolve(this.fallback(job));
    await Promise.all(this.#workers.flatMap((w) => (w ? [w.terminate()] : [])));
  }
}
