/**
 * An open-loop load at a fixed rate, evenly spaced: request i is due at start + i / rate, and its
 * latency is counted from when it was due, not from when a connection was free to send it (as
 * wrk2 does). A server that stalls for 50 ms therefore shows the 50 requests that waited behind
 * the stall, which a closed-loop generator hides.
 *
 * bench/verify.ts uses it for the latency target of issue 9 ("p99 ≤ 25 ms at 1,000 requests/s"):
 * autocannon's `overallRate` is not that load — every connection sends its share of the second as
 * fast as it can at the start of each second, then waits, so its p99 is the latency of a burst at
 * full speed. Both are reported.
 *
 * HTTP/1.1 keep-alive on plain sockets, no pipelining; the answers must carry Content-Length (the
 * verification route's always do). Requests are written ready-made, one buffer each.
 */
import { connect, type Socket } from 'node:net';

export interface PacedOptions {
  url: string;
  /** JSON bodies, sent in turn. */
  bodies: readonly string[];
  /** Requests per second. */
  rate: number;
  seconds: number;
  /** Keep-alive connections (a request waits when all are busy; its wait counts). */
  connections: number;
  userAgent?: string;
}

export interface PacedResult {
  sent: number;
  answered: number;
  non2xx: number;
  /** Connections lost or answers still missing 5 s after the last request was due. */
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The p99 of each second of the run, by when the requests were due: one stall, or a steady tail. */
  p99BySecondMs: number[];
  /** Answers per second over the run. */
  rate: number;
}

interface Conn {
  socket: Socket;
  /** When the request in flight was due (performance.now() ms), or null when idle. */
  due: number | null;
  buffered: Buffer;
  /** Bytes of the answer still to come once its headers are read (-1: headers not read yet). */
  remaining: number;
  status: number;
}

const HEADERS_END = Buffer.from('\r\n\r\n');

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export async function paced(opts: PacedOptions): Promise<PacedResult> {
  const url = new URL(opts.url);
  const port = Number(url.port || 80);
  const requests = opts.bodies.map((body) =>
    Buffer.from(
      `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n` +
        `user-agent: ${opts.userAgent ?? 'ocop-trace bench (paced)'}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    ),
  );
  const total = Math.round(opts.rate * opts.seconds);
  const latencies = new Float64Array(total);
  /** The second of the run each answered request was due in, in the order of `latencies`. */
  const dueSecond = new Uint16Array(total);
  let answered = 0;
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const idle: Conn[] = [];
  /** Due times of requests that found every connection busy. */
  const backlog: number[] = [];
  let finish: (() => void) | null = null;
  let start = 0;

  const send = (conn: Conn, due: number): void => {
    conn.due = due;
    conn.remaining = -1;
    conn.socket.write(requests[sent % requests.length]!);
    sent++;
  };
  const done = (conn: Conn): void => {
    dueSecond[answered] = Math.floor((conn.due! - start) / 1000);
    latencies[answered++] = performance.now() - conn.due!;
    if (conn.status < 200 || conn.status > 299) non2xx++;
    conn.due = null;
    const next = backlog.shift();
    if (next !== undefined) send(conn, next);
    else idle.push(conn);
    if (answered + errors >= total) finish?.();
  };
  const onData = (conn: Conn, chunk: Buffer): void => {
    conn.buffered = conn.buffered.length === 0 ? chunk : Buffer.concat([conn.buffered, chunk]);
    for (;;) {
      if (conn.remaining < 0) {
        const end = conn.buffered.indexOf(HEADERS_END);
        if (end < 0) return;
        const head = conn.buffered.subarray(0, end).toString('latin1');
        conn.status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (!length) throw new Error(`paced: an answer without Content-Length (${head.split('\r\n')[0]})`);
        conn.remaining = Number(length[1]);
        conn.buffered = conn.buffered.subarray(end + 4);
      }
      if (conn.buffered.length < conn.remaining) return;
      conn.buffered = conn.buffered.subarray(conn.remaining);
      conn.remaining = -1;
      done(conn);
      if (conn.buffered.length === 0) return;
    }
  };

  const conns = await Promise.all(
    Array.from(
      { length: opts.connections },
      () =>
        new Promise<Conn>((resolve, reject) => {
          const socket = connect({ host: url.hostname, port, noDelay: true });
          const conn: Conn = { socket, due: null, buffered: Buffer.alloc(0), remaining: -1, status: 0 };
          socket.once('connect', () => resolve(conn));
          socket.once('error', reject);
        }),
    ),
  );
  for (const conn of conns) {
    conn.socket.removeAllListeners('error');
    conn.socket.on('data', (chunk: Buffer) => onData(conn, chunk));
    const lost = (): void => {
      if (conn.due !== null) {
        conn.due = null;
        errors++;
        if (answered + errors >= total) finish?.();
      }
      const at = idle.indexOf(conn);
      if (at >= 0) idle.splice(at, 1);
    };
    conn.socket.on('error', lost);
    conn.socket.on('close', lost);
    idle.push(conn);
  }

  start = performance.now();
  const interval = 1000 / opts.rate;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        const due = start + next * interval;
        next++;
        const conn = idle.pop();
        if (conn) send(conn, due);
        else backlog.push(due);
      }
      if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  await new Promise<void>((resolve) => {
    finish = resolve;
    if (answered + errors >= total) resolve();
    setTimeout(resolve, 5_000).unref();
  });
  const elapsed = (performance.now() - start) / 1000;
  for (const conn of conns) conn.socket.destroy();
  const missing = total - answered - errors;
  const seconds: number[][] = Array.from({ length: Math.ceil(opts.seconds) }, () => []);
  for (let i = 0; i < answered; i++)
    seconds[Math.min(seconds.length - 1, dueSecond[i]!)]!.push(latencies[i]!);
  const p99BySecondMs = seconds.map((l) => Math.round(quantile(Float64Array.from(l).sort(), 0.99) * 10) / 10);
  const sorted = latencies.subarray(0, answered).sort();
  return {
    sent,
    answered,
    non2xx,
    errors: errors + missing,
    p50Ms: Math.round(quantile(sorted, 0.5) * 10) / 10,
    p99Ms: Math.round(quantile(sorted, 0.99) * 10) / 10,
    maxMs: Math.round(quantile(sorted, 1) * 10) / 10,
    p99BySecondMs,
    rate: Math.round(answered / elapsed),
  };
}
