import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, problem, type ErrorCode } from '../errors.ts';

/**
 * PostgreSQL SQLSTATEs and driver errors that mean "the database is not reachable right now" or
 * "cannot take this write right now" (read-only standby or `default_transaction_read_only`, disk
 * full, out of memory, a statement timeout): retryable, so 503, never a 500 (reliability.md D06).
 */
const UNAVAILABLE_STATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '25006',
  '53000',
  '53100',
  '53200',
  '57014',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown[] };
  if (typeof e.code === 'string' && (UNAVAILABLE_STATES.has(e.code) || UNAVAILABLE_ERRNOS.has(e.code)))
    return true;
  const msg = typeof e.message === 'string' ? e.message : '';
  if (
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed|the database system is (starting up|shutting down)/i.test(
      msg,
    )
  )
    return true;
  return Array.isArray(e.errors) && e.errors.some(isDatabaseUnavailable);
}

/** Map an error from Fastify, the driver or our code to a problem code, never exposing internals. */
function classify(err: FastifyError & { validation?: unknown }): {
  code: ErrorCode;
  detail?: string;
  extra?: Record<string, unknown>;
} {
  if (err instanceof AppError) return { code: err.code, detail: err.detail, extra: err.extra };
  if (err.validation) {
    return { code: 'validation_failed', detail: err.message, extra: { errors: err.validation } };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'payload_too_large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'unsupported_media_type' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'invalid_json', detail: 'The body is empty; send a JSON object.' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_JSON_PARSE':
      return { code: 'invalid_json' };
    case 'FST_ERR_CTP_INVALID_TYPE':
    case 'FST_ERR_CTP_INVALID_HANDLER':
      return { code: 'unsupported_media_type' };
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return { code: 'bad_request' };
  }
  if (err.statusCode === 429) return { code: 'rate_limited', detail: err.message };
  if (err.statusCode === 408 || err.code === 'FST_ERR_REQUEST_TIMEOUT') return { code: 'request_timeout' };
  if (err instanceof SyntaxError && err.statusCode === 400) return { code: 'invalid_json' };
  if (isDatabaseUnavailable(err)) return { code: 'database_unavailable' };
  if (err.code === '23505')
    return { code: 'conflict', detail: 'An entry with the same unique fields already exists.' };
  if (err.code === '23503') return { code: 'unprocessable', detail: 'A referenced entry does not exist.' };
  if (
    err.code === '23514' ||
    err.code === '23502' ||
    err.code === '22P02' ||
    err.code === '22007' ||
    err.code === '22008'
  ) {
    return { code: 'unprocessable', detail: 'A value breaks a rule of the registry.' };
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    const byStatus: Record<number, ErrorCode> = {
      401: 'unauthenticated',
      403: 'forbidden',
      404: 'not_found',
      405: 'method_not_allowed',
      413: 'payload_too_large',
      415: 'unsupported_media_type',
    };
    return { code: byStatus[err.statusCode] ?? 'bad_request' };
  }
  return { code: 'internal_error' };
}

/** One error handler: problem+json bodies, 5xx details only in the log, 503 with Retry-After. */
export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      const { code, detail, extra } = classify(err);
      const body = problem(code, detail, extra);
      if (body.status >= 500) {
        request.log.error({ err, problemCode: code }, 'request failed');
      }
      if (code === 'database_unavailable') reply.header('retry-after', '5');
      if (code === 'rate_limited' && !reply.getHeader('retry-after')) reply.header('retry-after', '60');
      // The claim's holder sets the seconds its lease has left (plugins/idempotency.ts); a claim
      // taken over or released while this request looked at it: retry at once.
      if (code === 'idempotency_in_progress' && !reply.getHeader('retry-after'))
        reply.header('retry-after', '1');
      return reply.status(body.status).type('application/problem+json; charset=utf-8').send(body);
    });
    app.setNotFoundHandler((request, reply) => {
      return reply
        .status(404)
        .type('application/problem+json; charset=utf-8')
        .send(problem('not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`));
    });
  },
  { name: 'errors' },
);
