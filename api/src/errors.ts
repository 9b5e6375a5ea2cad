/**
 * Every error the API can answer with, in one table: a stable code → HTTP status and a public
 * message a person can act on (RFC 9457 problem details). Handlers throw `AppError(code, detail?)`;
 * the error handler in plugins/errors.ts renders it. Add rows here; never reuse or rename a code.
 */
export const ERRORS = {
  bad_request: { status: 400, title: 'The request is not valid.' },
  validation_failed: { status: 400, title: 'Some fields are missing, unknown or of the wrong type.' },
  invalid_json: { status: 400, title: 'The body is not valid JSON.' },
  unauthenticated: { status: 401, title: 'Sign in first: send a valid bearer token.' },
  invalid_credentials: { status: 401, title: 'The email or password is wrong.' },
  forbidden: { status: 403, title: 'Your role may not do this.' },
  not_found: { status: 404, title: 'There is nothing at this address.' },
  method_not_allowed: { status: 405, title: 'This method is not allowed here.' },
  conflict: { status: 409, title: 'This conflicts with data that already exists.' },
  payload_too_large: { status: 413, title: 'The body is too large.' },
  unsupported_media_type: { status: 415, title: 'Send the body as application/json.' },
  unprocessable: { status: 422, title: 'The request breaks a rule of the registry.' },
  rate_limited: { status: 429, title: 'Too many requests: wait a moment and try again.' },
  internal_error: { status: 500, title: 'Something went wrong on our side. It has been logged.' },
  database_unavailable: { status: 503, title: 'The registry database is unavailable: try again shortly.' },
  request_timeout: { status: 408, title: 'The request took too long to arrive.' },
  rule_violation: { status: 422, title: 'The request contradicts an OCOP rule: see `rule` and `detail`.' },
  idempotency_key_reused: {
    status: 422,
    title: 'This Idempotency-Key was already used with a different request: use a new key.',
  },
  idempotency_in_progress: {
    status: 409,
    title: 'A request with this Idempotency-Key is still being processed: retry in a moment.',
  },
  // Interoperability (issue 10): resolver, EPCIS, credentials.
  invalid_digital_link: {
    status: 400,
    title: 'This is not a valid GS1 Digital Link or OCOP Trace code address: see `detail`.',
  },
  link_type_not_found: { status: 404, title: 'No link of the requested type exists for this identifier.' },
  epcis_invalid: {
    status: 400,
    title: 'The EPCIS document does not validate against the official EPCIS 2.0 JSON schema: see `errors`.',
  },
  epcis_unrelated_events: {
    status: 422,
    title: 'Some events do not name this batch (its lot or its units): see `events`.',
  },
  // Signed codes (issue 4): keys, issuance.
  issuance_refused: {
    status: 409,
    title: 'Codes cannot be issued for this batch now: see `reason` and `detail`.',
  },
  key_already_revoked: { status: 409, title: 'This signing key is already revoked.' },
  issuance_quota_exceeded: {
    status: 429,
    title:
      'The daily issuance quota of this producer is used up: see `detail`, `limit`, `used` and `resetsAt`.',
  },
  // Labels (issue 5).
  labels_refused: {
    status: 409,
    title:
      'Labels cannot be printed for this batch: its codes cannot be genuine now; see `reason` and `detail`.',
  },
  no_codes_to_print: {
    status: 409,
    title: 'No such codes to print: issue them first (POST /api/v1/batches/{id}/codes); see `detail`.',
  },
  label_does_not_fit: {
    status: 422,
    title: 'The code and its text do not fit this label at this resolution: see `reason` and `detail`.',
  },
  too_many_labels: { status: 422, title: 'Too many labels for one request: ask for a range (from, to).' },
  label_job_not_ready: {
    status: 409,
    title: 'This label job is not done: see `jobStatus`, `done` and `total`, and try again when it is.',
  },
  label_job_file_gone: {
    status: 410,
    title: 'The file of this label job is no longer on the server: re-run the job (POST …/retry).',
  },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, detail?: string, extra?: Record<string, unknown>) {
    super(detail ?? ERRORS[code].title);
    this.code = code;
    this.status = ERRORS[code].status;
    this.detail = detail;
    this.extra = extra;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  [key: string]: unknown;
}

export function problem(code: ErrorCode, detail?: string, extra?: Record<string, unknown>): Problem {
  const row = ERRORS[code];
  return {
    type: `urn:ocop-trace:problem:${code}`,
    title: row.title,
    status: row.status,
    code,
    ...(detail ? { detail } : {}),
    ...extra,
  };
}
