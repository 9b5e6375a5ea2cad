import { Transform, type TransformCallback } from 'node:stream';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The deadline of a small body still arriving (securityPlugin's preParsing); null otherwise. */
    bodyTimer: NodeJS.Timeout | null;
  }
}

/**
 * Resource limits of the HTTP server (reliability.md §2.2, OWASP API4: unrestricted resource
 * consumption). The defaults serve production; tests pass smaller ones to `buildApp`.
 */
export interface Limits {
  /** Whole request, headers and body, must arrive within this (Node `server.requestTimeout`). */
  requestTimeoutMs: number;
  /** Request headers must arrive within this (Node `server.headersTimeout`, slowloris). */
  headersTimeoutMs: number;
  /** A socket idle this long is closed (Fastify `connectionTimeout`). */
  connectionTimeoutMs: number;
  /** Idle keep-alive sockets are closed after this. */
  keepAliveTimeoutMs: number;
  /** How often Node checks the two timeouts above; the cut-off is at most this late. */
  connectionsCheckingIntervalMs: number;
  /**
   * A request body must keep up a minimum average rate: after a grace of `bodyTimeoutMs` from the
   * moment Fastify starts reading it, each `bodyMinBytesPerSecond` bytes received buy one more
   * second. A client that trickles a body byte by byte gets 408 and a closed connection after
   * about `bodyTimeoutMs`, whatever the interval of Node's own check; an inspector's 8 MB photo on
   * a slow mobile link still arrives.
   */
  bodyTimeoutMs: number;
  bodyMinBytesPerSecond: number;
  /** Per-client limit of POST /api/v1/verify, unless the route declares its own. */
  verifyRateLimit: { max: number; timeWindow: number };
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  // A backstop: slow headers and slow bodies are cut much earlier by the two rules below.
  requestTimeoutMs: 300_000,
  headersTimeoutMs: 10_000,
  connectionTimeoutMs: 60_000,
  keepAliveTimeoutMs: 10_000,
  connectionsCheckingIntervalMs: 2_000,
  bodyTimeoutMs: 10_000,
  // 8 KiB/s (64 kbit/s, a poor 2G link): 8 MB in about 17 minutes at worst, never a byte a second.
  bodyMinBytesPerSecond: 8 * 1024,
  verifyRateLimit: { max: 120, timeWindow: 60_000 },
});

export function resolveLimits(overrides: Partial<Limits> = {}): Readonly<Limits> {
  return Object.freeze({ ...DEFAULT_LIMITS, ...overrides });
}

/**
 * Content-Security-Policy of every API response: an API answer is data, never a document, so
 * nothing may load, run or frame it (OWASP REST Security Cheat Sheet, "Security headers").
 */
export const API_CSP: Record<string, string[]> = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * The Swagger UI at /api/docs is a document: its scripts and stylesheets are files of our own
 * origin, but it sets inline `style` attributes and draws data: images, and its "Try it out"
 * calls the API on the same origin. This relaxed policy applies to /api/docs only.
 */
export const DOCS_CSP: Record<string, string[]> = {
  'default-src': ["'self'"],
  'base-uri': ["'none'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
};

/**
 * The headers helmet sets for `options`, read once from a throwaway instance. @fastify/helmet
 * builds the helmet middleware anew for every request (about a sixth of the CPU of a small
 * answer); the headers depend only on the options, so they are computed once and set from a
 * table. Helmet stays the source of truth for what they are.
 */
const computedHeaders = new Map<string, Promise<[string, string][]>>();

export function helmetHeaders(options: FastifyHelmetOptions): Promise<[string, string][]> {
  const key = JSON.stringify(options);
  let headers = computedHeaders.get(key);
  if (!headers) {
    headers = probeHelmet(options);
    computedHeaders.set(key, headers);
    headers.catch(() => computedHeaders.delete(key));
  }
  return headers;
}

async function probeHelmet(options: FastifyHelmetOptions): Promise<[string, string][]> {
  const probe = Fastify({ logger: false });
  probe.get('/', async () => '');
  const plain = await probe.inject({ url: '/' });
  await probe.close();
  const withHelmet = Fastify({ logger: false });
  await withHelmet.register(helmet, { ...options, global: true });
  withHelmet.get('/', async () => '');
  const res = await withHelmet.inject({ url: '/' });
  await withHelmet.close();
  return Object.entries(res.headers)
    .filter(([name, value]) => typeof value === 'string' && plain.headers[name] === undefined)
    .map(([name, value]) => [name, String(value)]);
}

/** A content coding other than identity (RFC 9110 §8.4): we never inflate request bodies. */
function hasContentCoding(request: FastifyRequest): boolean {
  const ce = request.headers['content-encoding'];
  if (ce === undefined) return false;
  return ce
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .some((s) => s !== '' && s !== 'identity');
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * First string in `value` (walked iteratively, so a deeply nested body cannot overflow the stack)
 * that PostgreSQL cannot store or that is not well-formed Unicode: NUL, or a lone surrogate.
 * @see reliability.md §2.5: PostgreSQL rejects NUL in text with an encoding error.
 */
export function findUnstorableString(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  let seen = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++seen > 1_000_000) return undefined;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return 'a NUL character (\\u0000)';
      if (LONE_SURROGATE.test(v)) return 'a lone UTF-16 surrogate';
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        stack.push(k, x);
      }
    }
  }
  return undefined;
}

/**
 * A pass-through stream that fails with 408 when the body falls behind its deadline: `graceMs`
 * after the start, plus one second per `bytesPerSecond` bytes received so far.
 */
class BodyDeadline extends Transform {
  receivedEncodedLength = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  constructor(
    private readonly graceMs: number,
    private readonly bytesPerSecond: number,
    private readonly onTimeout: () => void,
  ) {
    super();
    this.arm();
  }
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const due = this.started + this.graceMs + (this.receivedEncodedLength * 1000) / this.bytesPerSecond;
    this.timer = setTimeout(
      () => {
        this.onTimeout();
        this.destroy(bodyTimeoutError());
      },
      Math.max(0, due - Date.now()),
    );
    this.timer.unref();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.receivedEncodedLength += chunk.length;
    this.arm();
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    clearTimeout(this.timer);
    cb();
  }
  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    cb(err);
  }
}

/** The 408 of a body that fell behind its deadline (Fastify's own code for a request timeout). */
function bodyTimeoutError(): Error {
  return Object.assign(new Error('The request body took too long to arrive.'), {
    statusCode: 408,
    code: 'FST_ERR_REQUEST_TIMEOUT',
  });
}

/** A body fell behind: the rest of it is not worth waiting for, so the answer closes the connection. */
function tooSlow(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('connection', 'close');
  request.log.warn({ ip: request.ip }, 'request body too slow; cut off');
}

/**
 * The deadline of a small body of known length ran out (a timer, not {@link BodyDeadline}). Once the
 * body has arrived there is nothing to cut. Otherwise, as with the stream, the answer closes the
 * connection, and if Fastify is reading the body (its parser listens for errors on the stream) the
 * error it gets is the 408 the stream would have raised; the request itself is not destroyed, which
 * would drop the socket without an answer.
 */
function cutSmallBody(request: FastifyRequest, reply: FastifyReply): void {
  request.bodyTimer = null;
  const payload = request.raw;
  if (payload.complete) return;
  tooSlow(request, reply);
  if (!reply.sent && payload.listenerCount('error') > 0) payload.emit('error', bodyTimeoutError());
}

/** A string PostgreSQL can store: no NUL, no lone surrogate ({@link findUnstorableString}). */
export function storableString(s: string): boolean {
  return !s.includes('\u0000') && (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Whether `value` is certainly free of what {@link findUnstorableString} looks for, judged without
 * its walk: a primitive, a Buffer (bytes: never a string), or a flat object of primitives, as
 * bodies, queries and path parameters usually are. False means "walk it": the walk decides, and
 * names what it found.
 */
function plainlyStorable(value: unknown): boolean {
  if (typeof value === 'string') return storableString(value);
  if (value === null || typeof value !== 'object') return true;
  if (Buffer.isBuffer(value)) return true;
  if (Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length > 64) return false;
  for (const key of keys) {
    if (!storableString(key)) return false;
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'string') {
      if (!storableString(v)) return false;
    } else if (v !== null && typeof v === 'object') {
      return false;
    }
  }
  return true;
}

/**
 * Security headers and request hygiene for every route (issue 8; reliability.md §2.2–2.3):
 * - helmet on every response: the API answers with `default-src 'none'; frame-ancestors 'none'`,
 *   /api/docs with its own relaxed policy; the site plugin sets the pages' policy in its own scope
 *   (its helmet runs after this one and overrides the headers it sets);
 * - only `application/json` bodies (Fastify's default `text/plain` parser is removed: a text/plain
 *   POST needs no CORS preflight, GHSA-3fjj-p79j-c9hh / CVE-2022-41919); compressed bodies are
 *   refused with 415 (no inflation, so no zip bombs);
 * - NUL characters and lone surrogates anywhere in a body, query or path parameter are a 400,
 *   never a PostgreSQL encoding error;
 * - a request body must keep a minimum rate after a grace period (slow-body attacks), else 408
 *   and the connection is closed;
 * - per-client rate limit on verification (keyed by `request.ip`, which honours X-Forwarded-For
 *   from the configured trusted proxies only);
 * - responses to signed-in routes are never cached, and a 401 says `WWW-Authenticate: Bearer`;
 * - during shutdown, answers close their connection.
 */
export const securityPlugin = fp(
  async (app: FastifyInstance, opts: { config: Readonly<Config>; limits: Readonly<Limits> }) => {
    const https = opts.config.publicBaseUrl.startsWith('https:');
    const helmetOptions: FastifyHelmetOptions = {
      global: true,
      contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
      // HSTS only on an https origin: over plain http (a LAN demo) it is ignored anyway.
      strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    };
    const apiHeaders = await helmetHeaders(helmetOptions);
    const docsHeaders = await helmetHeaders({
      ...helmetOptions,
      contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP },
    });

    app.addHook('onRoute', (route: RouteOptions) => {
      const url = String(route.url);
      if (url === '/api/docs' || url.startsWith('/api/docs/')) {
        route.config = { ...route.config, docsPolicy: true } as typeof route.config;
      }
      // A route's own Cross-Origin-Resource-Policy (`config.helmet`, as @fastify/helmet reads it):
      // the keys, the snapshot and the public documents are fetched by other origins' verifiers.
      const corp = (route.config as { helmet?: FastifyHelmetOptions } | undefined)?.helmet
        ?.crossOriginResourcePolicy;
      if (typeof corp === 'object' && corp.policy) {
        route.config = { ...route.config, corpPolicy: corp.policy } as typeof route.config;
      }
      // Verification is public and cheap to call: limit it per client unless the route says how.
      if (url === '/api/v1/verify' && route.config?.rateLimit === undefined) {
        route.config = { ...route.config, rateLimit: { ...opts.limits.verifyRateLimit } };
      }
    });

    // JSON only: text/plain would let a cross-site form post a JSON-looking body without preflight.
    app.removeContentTypeParser('text/plain');

    // Security headers on every answer, set on the raw response so that a scope's own helmet (the
    // site's pages) still overrides them, as it did when helmet ran here. Then compressed bodies are
    // refused, before auth's onRequest (registered later) can answer a private route with 401. One
    // callback-style hook: these run on every request, and an async hook costs a promise and a
    // microtask turn each.
    app.addHook('onRequest', (request, reply, done) => {
      const config = request.routeOptions.config as { docsPolicy?: boolean; corpPolicy?: string } | undefined;
      const headers = config?.docsPolicy === true ? docsHeaders : apiHeaders;
      for (const [name, value] of headers) reply.raw.setHeader(name, value);
      if (config?.corpPolicy !== undefined)
        reply.raw.setHeader('cross-origin-resource-policy', config.corpPolicy);
      if (hasContentCoding(request)) {
        reply.header('connection', 'close');
        done(
          new AppError(
            'unsupported_media_type',
            'Compressed request bodies are not accepted (Content-Encoding); send plain JSON.',
          ),
        );
        return;
      }
      done();
    });

    const { bodyTimeoutMs, bodyMinBytesPerSecond } = opts.limits;
    app.decorateRequest('bodyTimer', null);
    app.addHook('preParsing', (request, reply, payload, done) => {
      const length = request.headers['content-length'];
      const chunked = request.headers['transfer-encoding'] !== undefined;
      if (!chunked && (length === undefined || length === '0')) {
        done(null, payload);
        return;
      }
      // A small body of known length (at most one second's worth at the minimum rate, which covers
      // nearly every JSON request): its whole allowance is known now, the grace plus its length at
      // the minimum rate, so one timer replaces the stream that would re-arm at every chunk (a
      // Transform and a pipe per request). Cleared once the body is parsed (preValidation) or the
      // request fails (onError).
      const declared = chunked ? Number.NaN : Number(length);
      if (declared > 0 && declared <= bodyMinBytesPerSecond && payload === request.raw) {
        const allowanceMs = bodyTimeoutMs + (declared * 1000) / bodyMinBytesPerSecond;
        request.bodyTimer = setTimeout(() => cutSmallBody(request, reply), allowanceMs).unref();
        done(null, payload);
        return;
      }
      const deadline = new BodyDeadline(bodyTimeoutMs, bodyMinBytesPerSecond, () => tooSlow(request, reply));
      // Fastify listens for errors when it reads the body; a route that never reads it must not
      // turn the deadline's error into an unhandled 'error' event.
      deadline.on('error', () => {});
      payload.on('error', (err) => deadline.destroy(err));
      done(null, payload.pipe(deadline));
    });

    const clearBodyTimer = (request: FastifyRequest): void => {
      if (request.bodyTimer !== null) {
        clearTimeout(request.bodyTimer);
        request.bodyTimer = null;
      }
    };
    app.addHook('onError', (request, _reply, _error, done) => {
      clearBodyTimer(request);
      done();
    });

    app.addHook('preValidation', (request, _reply, done) => {
      clearBodyTimer(request);
      const { body, query, params } = request;
      // The usual body, query and path are flat and clean, and are seen so without the full walk.
      if (plainlyStorable(body) && plainlyStorable(query) && plainlyStorable(params)) {
        done();
        return;
      }
      for (const [part, value] of [
        ['body', body],
        ['query', query],
        ['path', params],
      ] as const) {
        const found = findUnstorableString(value);
        if (found) {
          done(new AppError('validation_failed', `The ${part} contains ${found}, which is not allowed.`));
          return;
        }
      }
      done();
    });

    // Graceful shutdown (reliability.md R01): once close() has begun, answers to the requests still
    // in flight close their connection, so a keep-alive client does not hold the exit until
    // keepAliveTimeout.
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });

    app.addHook('onSend', (request, reply, payload, done) => {
      if (closing) reply.header('connection', 'close');
      // A 401 names the scheme to use (RFC 9110 §15.5.2, RFC 6750 §3).
      if (reply.statusCode === 401 && !reply.hasHeader('www-authenticate')) {
        reply.header('www-authenticate', 'Bearer realm="ocop-trace"');
      }
      const access = request.routeOptions.config?.access;
      if (access !== undefined && access !== 'public' && !reply.hasHeader('cache-control')) {
        reply.header('cache-control', 'no-store');
      }
      done(null, payload);
    });
  },
  { name: 'security', dependencies: ['errors'] },
);
