import { createHmac, hkdfSync } from 'node:crypto';

/**
 * reliability.md L02: serial enumeration shows as many forged or unknown codes from one client.
 * Answers stay uniform (nothing tells the prober what exists); this counts misses per client in a
 * sliding window and raises an `enumeration_suspected` alert once per client per window.
 *
 * - O(1) per verification, in memory: per client two fixed-window counters (the current window
 *   and the one before), the sliding count being `previous × (share of it still in the window) +
 *   current`. Only misses touch the map; the map is bounded ({@link MAX_CLIENTS}) and swept.
 * - Shared across instances (optional `share`): behind a load balancer each instance sees only its
 *   share of a prober's misses. Every `syncIntervalMs` (and at close) the instance hands its
 *   per-client miss deltas since the last sync to `share` (one database statement, in the
 *   background) and learns the shared totals of those clients' current and previous windows;
 *   the sliding count then uses them. A failed sync keeps its deltas (bounded,
 *   {@link MAX_DELTAS}) for the next one; nothing of it reaches a verification.
 * - Clients are keyed by an HMAC of their address under a key derived from the server's secret
 *   and the day, so no address is kept or written, and keys cannot be linked across days
 *   (Law 91/2025/QH15; docs/security.md "Privacy").
 * - Alerts leave through `flush` (the database writer), asynchronously: a verification never
 *   waits for it.
 */

export const MISS_VERDICTS: ReadonlySet<string> = new Set(['forged', 'unknown']);
/** Most clients counted at once; beyond, the stalest are dropped first. */
export const MAX_CLIENTS = 100_000;
/** Most (client, window) deltas kept for the next sync; beyond, the oldest are dropped first. */
export const MAX_DELTAS = 100_000;

export interface EnumerationAlert {
  clientKey: string;
  windowStart: Date;
  misses: number;
  windowSeconds: number;
  threshold: number;
}

/** Misses of a client in one fixed window. */
export interface MissCount {
  clientKey: string;
  windowStart: Date;
  misses: number;
}
/** What one instance adds to a client's window. */
export type MissDelta = MissCount;
/** A client's shared total for one window (all instances). */
export type MissTotal = MissCount;

interface Counter {
  window: number;
  current: number;
  previous: number;
  /** Shared totals last learned for `window` and the one before (0: none learned). */
  sharedCurrent: number;
  sharedPrevious: number;
  alertedWindow: number;
}

interface Delta {
  clientKey: string;
  window: number;
  misses: number;
}

export interface EnumerationOptions {
  windowMs: number;
  /** Misses in one sliding window above which the client is reported. */
  threshold: number;
  flush: (alerts: EnumerationAlert[]) => Promise<void>;
  onFlushError?: (err: unknown) => void;
  /**
   * Adds this instance's deltas to the shared counts and answers the shared totals of their
   * clients for the deltas' windows and the windows before them (security/enumeration-counts.ts).
   */
  share?: (deltas: MissDelta[], windowMs: number) => Promise<MissTotal[]>;
  /** How often deltas are shared (default 5 s; 0: only when `sync()` is called). */
  syncIntervalMs?: number;
  onShareError?: (err: unknown) => void;
  now?: () => number;
}

export class EnumerationWatch {
  readonly #clients = new Map<string, Counter>();
  readonly #pending: EnumerationAlert[] = [];
  #flushing: Promise<void> | null = null;
  /** Misses not yet shared, by `${window}:${clientKey}`, oldest first. */
  #deltas = new Map<string, Delta>();
  #syncing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #droppedDeltas = 0;
  readonly #o: Required<Pick<EnumerationOptions, 'windowMs' | 'threshold' | 'flush' | 'now'>> &
    EnumerationOptions;

  constructor(o: EnumerationOptions) {
    this.#o = { now: Date.now, ...o };
    const every = o.syncIntervalMs ?? 5_000;
    if (o.share && every > 0) {
      // A tick while a share is still out (a slow database) is skipped, not queued.
      this.#timer = setInterval(() => {
        if (!this.#syncing) void this.sync();
      }, every);
      this.#timer.unref();
    }
  }

  /** Count one verification's verdict for a client (only misses are counted). */
  noteVerifyOutcome(clientKey: string, verdict: string): void {
    if (!MISS_VERDICTS.has(verdict)) return;
    const now = this.#o.now();
    const window = Math.floor(now / this.#o.windowMs);
    let c = this.#clients.get(clientKey);
    if (!c) {
      if (this.#clients.size >= MAX_CLIENTS) this.#sweep(window);
      c = { window, current: 0, previous: 0, sharedCurrent: 0, sharedPrevious: 0, alertedWindow: -1 };
    } else {
      // Re-insert: the map's order is then least recently missed first (for the sweep).
      this.#clients.delete(clientKey);
      this.#roll(c, window);
    }
    this.#clients.set(clientKey, c);
    c.current += 1;
    if (this.#o.share) this.#addDelta(this.#deltas, clientKey, window, 1);
    this.#check(clientKey, c, now);
  }

  /** Clients counted now (tests, metrics). */
  get clients(): number {
    return this.#clients.size;
  }

  /** Client windows with misses not yet shared (tests, metrics). */
  get unsharedDeltas(): number {
    return this.#deltas.size;
  }

  /** Deltas dropped because too many waited for a sync (the database was away long). */
  get droppedDeltas(): number {
    return this.#droppedDeltas;
  }

  /**
   * Shares the misses counted since the last sync and learns the shared totals back; alerts a
   * client whose shared sliding count passed the threshold. Never throws: a failed sync keeps its
   * deltas for the next one. One at a time: a call during a sync waits for it, then runs its own.
   */
  async sync(): Promise<void> {
    while (this.#syncing) await this.#syncing;
    const share = this.#o.share;
    if (!share || this.#deltas.size === 0) return;
    this.#syncing = this.#share(share).finally(() => {
      this.#syncing = null;
    });
    await this.#syncing;
  }

  async #share(share: NonNullable<EnumerationOptions['share']>): Promise<void> {
    const { windowMs } = this.#o;
    const sent = this.#deltas;
    this.#deltas = new Map();
    let totals: MissTotal[];
    try {
      totals = await share(
        [...sent.values()].map((d) => ({
          clientKey: d.clientKey,
          windowStart: new Date(d.window * windowMs),
          misses: d.misses,
        })),
        windowMs,
      );
    } catch (err) {
      // Keep them, older first, for the next sync; windows that no longer count are let go.
      const oldest = Math.floor(this.#o.now() / windowMs) - 1;
      const kept = new Map<string, Delta>();
      for (const d of [...sent.values(), ...this.#deltas.values()])
        if (d.window >= oldest) this.#addDelta(kept, d.clientKey, d.window, d.misses);
      this.#deltas = kept;
      this.#o.onShareError?.(err);
      return;
    }
    const now = this.#o.now();
    const touched = new Map<string, Counter>();
    for (const t of totals) {
      const c = this.#clients.get(t.clientKey);
      if (!c) continue;
      const w = Math.floor(t.windowStart.getTime() / windowMs);
      if (w === c.window) c.sharedCurrent = Math.max(c.sharedCurrent, t.misses);
      else if (w === c.window - 1) c.sharedPrevious = Math.max(c.sharedPrevious, t.misses);
      touched.set(t.clientKey, c);
    }
    for (const [key, c] of touched) this.#check(key, c, now);
  }

  /** Stops the timer, shares what is left (once) and writes the alerts raised. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.sync();
    await this.drain();
  }

  /** Waits until every alert raised so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.#flushing || this.#pending.length > 0) {
      if (!this.#flushing) this.#schedule();
      await this.#flushing;
    }
  }

  /** Moves a client's counters to `window` (a later one). */
  #roll(c: Counter, window: number): void {
    if (c.window === window) return;
    const adjacent = c.window === window - 1;
    c.previous = adjacent ? c.current : 0;
    c.sharedPrevious = adjacent ? c.sharedCurrent : 0;
    c.current = 0;
    c.sharedCurrent = 0;
    c.window = window;
  }

  /** Misses of a client's window `w`: its own count, or the shared one plus its unshared misses. */
  #count(key: string, w: number, own: number, shared: number): number {
    if (!this.#o.share) return own;
    return Math.max(own, shared + (this.#deltas.get(`${w}:${key}`)?.misses ?? 0));
  }

  /** Raises the client's alert (once per window) when its sliding count is above the threshold. */
  #check(clientKey: string, c: Counter, now: number): void {
    const { windowMs, threshold } = this.#o;
    const window = Math.floor(now / windowMs);
    if (c.window < window) this.#roll(c, window);
    if (c.alertedWindow === window) return;
    const share = 1 - (now - window * windowMs) / windowMs;
    const misses =
      Math.floor(this.#count(clientKey, window - 1, c.previous, c.sharedPrevious) * share) +
      this.#count(clientKey, window, c.current, c.sharedCurrent);
    if (misses <= threshold) return;
    c.alertedWindow = window;
    this.#pending.push({
      clientKey,
      windowStart: new Date(window * windowMs),
      misses,
      windowSeconds: windowMs / 1000,
      threshold,
    });
    this.#schedule();
  }

  #addDelta(into: Map<string, Delta>, clientKey: string, window: number, misses: number): void {
    const key = `${window}:${clientKey}`;
    const d = into.get(key);
    if (d) {
      d.misses += misses;
      return;
    }
    if (into.size >= MAX_DELTAS) {
      const oldest = into.keys().next().value as string;
      into.delete(oldest);
      this.#droppedDeltas += 1;
    }
    into.set(key, { clientKey, window, misses });
  }

  #schedule(): void {
    if (this.#flushing) return;
    this.#flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        while (this.#pending.length > 0) {
          const batch = this.#pending.splice(0);
          await this.#o.flush(batch).catch((err: unknown) => this.#o.onFlushError?.(err));
        }
      })
      .finally(() => {
        this.#flushing = null;
      });
  }

  /** Drops clients whose counts no longer matter, else the least recently missed tenth. */
  #sweep(window: number): void {
    for (const [key, c] of this.#clients) if (c.window < window - 1) this.#clients.delete(key);
    if (this.#clients.size < MAX_CLIENTS) return;
    let drop = Math.ceil(MAX_CLIENTS / 10);
    for (const key of this.#clients.keys()) {
      if (drop-- <= 0) break;
      this.#clients.delete(key);
    }
  }
}

/**
 * A keyed hash of a client address: HMAC-SHA-256 under a key derived from the server's secret and
 * the UTC day (keys of two days cannot be linked), cut to 32 hex characters.
 */
export function clientKeyer(secret: Buffer, now: () => Date = () => new Date()): (address: string) => string {
  let day = '';
  let key = Buffer.alloc(0);
  return (address) => {
    const today = now().toISOString().slice(0, 10);
    if (today !== day) {
      day = today;
      key = Buffer.from(hkdfSync('sha256', secret, 'ocop-trace', `verify client v1 ${day}`, 32));
    }
    return createHmac('sha256', key).update(address, 'utf8').digest('hex').slice(0, 32);
  };
}

const VERDICT = '"verdict":"';

/** The verdict of a serialized verification answer, without parsing it; null if there is none. */
export function verdictOf(payload: unknown): string | null {
  let text: string;
  if (typeof payload === 'string') text = payload;
  else if (Buffer.isBuffer(payload)) text = payload.toString('utf8', 0, Math.min(payload.length, 4096));
  else return null;
  const at = text.indexOf(VERDICT);
  if (at < 0) return null;
  const start = at + VERDICT.length;
  const end = text.indexOf('"', start);
  return end < 0 || end - start > 40 ? null : text.slice(start, end);
}
