import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import proxyAddr from '@fastify/proxy-addr';
import { normalizeIP } from '@fastify/rate-limit';
import { storableString } from '../../plugins/security.ts';
import type { RouteLimiter } from '../../security/rate-limit-stores.ts';
import type { VerifyBody } from './schemas.ts';

export const VERIFY_PATH = '/api/v1/verify';

/** An answer for this scan (the scan is recorded when it is given). */
export interface LaneAnswer {
  /** The JSON text (`utf8`), or its UTF-8 bytes one character each (`latin1`: a kept answer). */
  body: string;
  encoding: 'utf8' | 'latin1';
  verdict: string;
}

export interface LaneOptions {
  /** The route's kept answer for this body, or null when it must be computed. */
  answer(body: VerifyBody, userAgent: string | undefined, now: Date): LaneAnswer | null;
  /** The route's answer computed for this body (what its handler answers when nothing is kept). */
  compute(body: VerifyBody, userAgent: string | undefined, now: Date): Promise<LaneAnswer>;
  /** The route's rate limiter, asked once the routes are registered (null: no lane). */
  limiter(): RouteLimiter | null;
  /** Counts a verdict for the enumeration watch, as the route's onSend hook does. */
  noteVerdict(ip: string, verdict: string): void;
  /** Fastify's `trustProxy` (false or the trusted proxies). */
  trustProxy: false | readonly string[];
  log: FastifyBaseLogger;
}

/** The longest body the lane reads: a code of 4,096 characters, a device id and an area, in JSON. */
const MAX_BODY = 8 * 1024;
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);
const BODY_KEYS = new Set(['code', 'deviceId', 'area']);
/** Headers that belong to one answer, never to the route's learned set. */
const PER_ANSWER = new Set([
  'content-length',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'retry-after',
]);
/** Levels at which Fastify logs every request it answers (the lane logs the ones it answers). */
const INFO_OR_LOWER = new Set(['info', 'debug', 'trace']);
const SURROGATE = /[\uD800-\uDFFF]/;

/** A string of the schema's lengths in code points, which for a string without surrogates is its length. */
function fits(v: unknown, min: number, max: number): v is string {
  return (
    typeof v === 'string' && v.length >= min && v.length <= max && !SURROGATE.test(v) && storableString(v)
  );
}

/** The body as the route's schema accepts it, or null for anything the route must judge itself. */
export function laneBody(text: string): VerifyBody | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (!BODY_KEYS.has(key)) return null;
  if (!fits(b.code, 0, 4096)) return null;
  if (b.deviceId !== undefined && !fits(b.deviceId, 8, 128)) return null;
  if (b.area !== undefined && !fits(b.area, 1, 100)) return null;
  return b as VerifyBody;
}

/**
 * The fast lane of `POST /api/v1/verify` (issue 9). A batch code scanned again, or the same
 * forgery, is answered by the route from what it kept (routes/verify/index.ts): no database, no
 * signature check. What was left of such a scan was Fastify's request path — routing, the request
 * and reply objects, hooks, the content-type parser, the schema — which on two cores cost about
 * twice the answer itself, and about a quarter of the main thread's work for a unit code seen for
 * the first time. The lane answers scans from Node's own `request` event instead, and hands every
 * other request to Fastify untouched:
 *
 * - it takes only `POST /api/v1/verify` with a JSON body of known, small length, no content
 *   coding, no Authorization, once the route has answered a scan itself (whose headers it
 *   learned: the security headers and content type are those the route sent, byte for byte);
 * - the body must be in by the end of the event-loop turn that brought the headers (a small JSON
 *   body comes with them); otherwise, and for any body that is not plainly what the schema
 *   accepts, the bytes read are put back into the request and Fastify reads it as if the lane
 *   were not there, with its own deadlines, limits and errors;
 * - the answer comes from the same functions the route's handler calls — the kept answer at once,
 *   else the computed one when it is done (the request's body is put back meanwhile, so that if
 *   computing fails, the route is handed the request whole and answers as it would) — so the
 *   scan is recorded, counted and kept current in one place; a client is counted in the route's
 *   own rate-limit window (a client over its limit is handed to Fastify, which answers 429), and
 *   its verdict in the enumeration watch;
 * - from shutdown on, everything goes to Fastify (which closes connections and answers 503).
 *
 * Requests made with `inject` never reach it: they do not go through the server.
 */
export class VerifyLane {
  /** Answers given by the lane, and requests it read and handed over (for tests and the bench). */
  served = 0;
  handedOver = 0;
  /** Off: every request goes to Fastify (the bench measures the route with and without the lane). */
  enabled = true;
  #headers: string[] | null = null;
  #limiter: RouteLimiter | null = null;
  #closed = false;
  #handOver: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  readonly #trust: ((addr: string, i: number) => boolean) | null;

  constructor(private readonly opts: LaneOptions) {
    this.#trust = opts.trustProxy === false ? null : proxyAddr.compile([...opts.trustProxy]);
  }

  /**
   * The headers the route sent with an answer (its security headers and content type), less
   * those of the one answer: fixed for the route (its helmet options, its content type), so the
   * first answer's are kept. The lane serves nothing until it has them.
   */
  learn(headers: OutgoingHttpHeaders): void {
    if (this.#headers !== null) return;
    const flat: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      if (PER_ANSWER.has(name) || value === undefined) continue;
      for (const v of [value].flat()) flat.push(name, String(v));
    }
    // This answer's own, filled in for each (see #answer).
    flat.push(
      'x-ratelimit-limit',
      '',
      'x-ratelimit-remaining',
      '',
      'x-ratelimit-reset',
      '',
      'content-length',
      '',
    );
    this.#headers = flat;
  }

  get learned(): boolean {
    return this.#headers !== null;
  }

  get ready(): boolean {
    return this.enabled && this.#headers !== null && this.#limiter !== null && !this.#closed;
  }

  close(): void {
    this.#closed = true;
  }

  /** Puts the lane in front of the server's request listener (Fastify's). */
  install(server: Server): void {
    const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    this.#limiter = this.opts.limiter();
    if (listeners.length !== 1 || this.#limiter === null) {
      this.opts.log.warn(
        { listeners: listeners.length, limiter: this.#limiter !== null },
        'verification fast lane not installed',
      );
      this.#limiter = null;
      return;
    }
    const next = listeners[0]!;
    const handOver = (req: IncomingMessage, res: ServerResponse): void => {
      this.handedOver++;
      next.call(server, req, res);
    };
    this.#handOver = handOver;
    // Once the socket's bytes that brought the headers are parsed and this turn of the event loop
    // has read what it could: one function for every request, so that waiting costs no closure.
    const afterHeaders = (req: IncomingMessage, res: ServerResponse, length: number): void => {
      if (!this.#read(req, res, length)) handOver(req, res);
    };
    server.removeListener('request', next);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const length = this.#takes(req);
      if (length > 0) setImmediate(afterHeaders, req, res, length);
      else next.call(server, req, res);
    });
  }

  /** The body's length if the lane may read this request, else 0. */
  #takes(req: IncomingMessage): number {
    if (req.method !== 'POST' || req.url !== VERIFY_PATH || !this.ready) return 0;
    const h = req.headers;
    const type = h['content-type'];
    const length = Number(h['content-length']);
    return type !== undefined &&
      JSON_TYPES.has(type.toLowerCase()) &&
      length >= 2 &&
      length <= MAX_BODY &&
      h['transfer-encoding'] === undefined &&
      h['content-encoding'] === undefined &&
      h.authorization === undefined
      ? length
      : 0;
  }

  /**
   * Answers the request if its whole body came in the event-loop turn of its headers (a small
   * JSON body comes with them) and a kept answer fits it; otherwise false, with the request as it
   * came: a body read is put back before its end, so the route's parser reads it first.
   */
  #read(req: IncomingMessage, res: ServerResponse, length: number): boolean {
    // Not all here: the route reads it, under its own deadlines. Nothing was read.
    if (!req.complete || req.readableLength !== length || req.readableFlowing !== null) return false;
    const raw = req.read() as Buffer | null;
    if (raw === null) return false;
    let taken: boolean;
    try {
      taken = raw.length === length && this.#answer(req, res, raw);
    } catch (err) {
      // A fault of the lane is never the client's: the route answers instead, if it still can.
      this.opts.log.error({ err }, 'verification fast lane failed; the route answers');
      taken = res.headersSent;
    }
    if (!taken) req.unshift(raw);
    return taken;
  }

  /**
   * Answers the request — at once from a kept answer, or once the route's computation is done —
   * and counts it; false (nothing sent, nothing counted, the body still to be put back) when the
   * route must answer it.
   */
  #answer(req: IncomingMessage, res: ServerResponse, raw: Buffer): boolean {
    const headers = this.#headers;
    const limiter = this.#limiter;
    if (headers === null || this.#closed || limiter === null) return false;
    const body = laneBody(raw.toString('utf8'));
    if (body === null) return false;
    const ip = this.#ip(req);
    if (ip === undefined) return false;
    // What the rate-limit plugin keys a client by (an IPv4 address is itself).
    const key = ip.includes(':') ? normalizeIP(ip) : ip;
    // Past the limit, Fastify answers (429, counted there): the lane counts only what it answers.
    if (limiter.peek(key).current >= limiter.max) return false;
    const started = performance.now();
    const userAgent = req.headers['user-agent'];
    const now = new Date();
    const kept = this.opts.answer(body, userAgent, now);
    const hit = limiter.hit(key);
    if (kept !== null) {
      this.#send(res, ip, hit, kept, started);
      return true;
    }
    // Computed (a first scan, a unit code, a database to ask): until the answer is in, the request
    // stays as it came, its body put back, so that a fault hands it to the route whole.
    const computing = this.opts.compute(body, userAgent, now);
    req.unshift(raw);
    const fail = (err: unknown): void => {
      // The route answers (its error handler, if it fails the same way), and counts it again.
      this.opts.log.error({ err }, 'verification fast lane could not answer; the route answers');
      if (!res.headersSent) this.#handOver?.(req, res);
      else res.destroy();
    };
    computing.then((answer) => {
      try {
        this.#send(res, ip, hit, answer, started);
      } catch (err) {
        fail(err);
        return;
      }
      req.read(); // the body, drained
    }, fail);
    return true;
  }

  /** Sends an answer with the route's headers and this client's rate-limit window. */
  #send(
    res: ServerResponse,
    ip: string,
    hit: { current: number; ttl: number },
    answer: LaneAnswer,
    started: number,
  ): void {
    const headers = this.#headers!;
    const max = this.#limiter!.max;
    this.opts.noteVerdict(ip, answer.verdict);
    // A kept answer is its bytes already, in a string that goes out with the headers in one write;
    // a computed one is encoded once (not measured, then encoded again).
    const bytes = answer.encoding === 'latin1' ? answer.body : Buffer.from(answer.body, 'utf8');
    // The learned headers, then this answer's four (writeHead reads the list and keeps nothing).
    const n = headers.length - 8;
    headers[n + 1] = String(max);
    headers[n + 3] = String(Math.max(0, max - hit.current));
    headers[n + 5] = String(Math.ceil(hit.ttl / 1000));
    headers[n + 7] = String(bytes.length);
    res.writeHead(200, headers);
    if (typeof bytes === 'string') res.end(bytes, 'latin1');
    else res.end(bytes);
    this.served++;
    if (INFO_OR_LOWER.has(this.opts.log.level)) {
      this.opts.log.info(
        {
          // Fastify's "request completed" line, with what its req serializer keeps of a request.
          req: { method: 'POST', url: VERIFY_PATH },
          res: { statusCode: 200 },
          responseTime: performance.now() - started,
          lane: true,
        },
        'request completed',
      );
    }
  }

  /** The client's address as Fastify's `request.ip` gives it (X-Forwarded-For from trusted proxies only). */
  #ip(req: IncomingMessage): string | undefined {
    return this.#trust === null ? req.socket.remoteAddress : proxyAddr(req, this.#trust);
  }
}
