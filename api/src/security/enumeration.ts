import { createHmac, hkdfSync } from 'node:crypto';

/**
 * reliability.md L02: serial enumeration shows as many forged or unknown codes from one client.
 * Answers stay uniform (nothing tells the prober what exists); this counts misses per client in a
 * sliding window and raises an `enumeration_suspected` alert once per client per window.
 *
 * - O(1) per verification, in memory: per client two fixed-window counters (the current window
 *   and the one before), the sliding count being `previous × (share of it still in the window) +
 *   current`. Only misses touch the map; the map is bounded ({@link MAX_CLIENTS}) and swept.
 * - Clients are keyed by an HMAC of their address under a key derived from the server's secret
 *   and the day, so no address is kept or written, and keys cannot be linked across days
 *   (Law 91/2025/QH15; docs/security.md "Privacy").
 * - Alerts leave through `flush` (the database writer), asynchronously: a verification never
 *   waits for it.
 */

export const MISS_VERDICTS: ReadonlySet<string> = new Set(['forged', 'unknown']);
/** Most clients counted at once; beyond, the stalest are dropped first. */
export const MAX_CLIENTS = 100_000;

export interface EnumerationAlert {
  clientKey: string;
  windowStart: Date;
  misses: number;
  windowSeconds: number;
  threshold: number;
}

interface Counter {
  window: number;
  current: number;
  previous: number;
  alertedWindow: number;
}

export interface EnumerationOptions {
  windowMs: number;
  /** Misses in one sliding window above which the client is reported. */
  threshold: number;
  flush: (alerts: EnumerationAlert[]) => Promise<void>;
  onFlushError?: (err: unknown) => void;
  now?: () => number;
}

export class EnumerationWatch {
  readonly #clients = new Map<string, Counter>();
  readonly #pending: EnumerationAlert[] = [];
  #flushing: Promise<void> | null = null;
  readonly #o: Required<Omit<EnumerationOptions, 'onFlushError'>> & Pick<EnumerationOptions, 'onFlushError'>;

  constructor(o: EnumerationOptions) {
    this.#o = { now: Date.now, ...o };
  }

  /** Count one verification's verdict for a client (only misses are counted). */
  noteVerifyOutcome(clientKey: string, verdict: string): void {
    if (!MISS_VERDICTS.has(verdict)) return;
    const { windowMs, threshold } = this.#o;
    const now = this.#o.now();
    const window = Math.floor(now / windowMs);
    let c = this.#clients.get(clientKey);
    if (!c) {
      if (this.#clients.size >= MAX_CLIENTS) this.#sweep(window);
      c = { window, current: 0, previous: 0, alertedWindow: -1 };
    } else {
      // Re-insert: the map's order is then least recently missed first (for the sweep).
      this.#clients.delete(clientKey);
      if (c.window !== window) {
        c.previous = c.window === window - 1 ? c.current : 0;
        c.current = 0;
        c.window = window;
      }
    }
    this.#clients.set(clientKey, c);
    c.current += 1;
    const share = 1 - (now - window * windowMs) / windowMs;
    const misses = Math.floor(c.previous * share) + c.current;
    if (misses > threshold && c.alertedWindow !== window) {
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
  }

  /** Clients counted now (tests, metrics). */
  get clients(): number {
    return this.#clients.size;
  }

  /** Waits until every alert raised so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.#flushing || this.#pending.length > 0) {
      if (!this.#flushing) this.#schedule();
      await this.#flushing;
    }
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
