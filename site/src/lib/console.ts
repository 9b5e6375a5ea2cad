/**
 * The consoles' client of the OCOP Trace API, in the browser (producer, inspector, office).
 *
 * Session: the bearer token of `POST /api/v1/auth/token` is kept in `sessionStorage` — one tab,
 * gone when the tab closes or on sign-out — and sent as `Authorization: Bearer …` by this module
 * only. Why not a cookie: the API accepts bearer tokens only, and the browser never attaches one
 * by itself, so no request can be forged from another site (no CSRF by construction: no ambient
 * credential, JSON bodies only, the API's CORS is closed). The cost, a token readable by scripts
 * of this origin, is held down by the site's strict CSP (`script-src 'self'`, no inline script,
 * nothing from another origin) and by rendering user text as text only (Preact escapes; no
 * `dangerouslySetInnerHTML`, no `set:html`). The token lives `AUTH_TOKEN_TTL` (8 h by default);
 * a 401 clears it and sends the user back to the sign-in page.
 *
 * Failures are values (`ApiResult`), never exceptions, so every screen can say what went wrong.
 */
import type { ApiResult, Problem } from './api.ts';
import type { Lang } from './i18n.ts';

export type { ApiResult, Problem } from './api.ts';

export type Role = 'admin' | 'officer' | 'producer' | 'inspector';

export interface Me {
  id: string;
  email: string;
  role: Role;
  producerId: string | null;
  displayName?: string;
  adminUnitId?: string | null;
}

export interface Session {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  user: Me;
}

const KEY = 'ocop.console.session';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    if (typeof s.token !== 'string' || typeof s.expiresAt !== 'number' || !s.user) return null;
    if (s.expiresAt <= Date.now()) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled: nothing kept anyway
  }
}

/** Where each role works. */
export const HOME: Record<Role, string> = {
  admin: '/office',
  officer: '/office',
  producer: '/producer',
  inspector: '/inspector',
};

/** A same-origin console path to go back to after signing in (never an absolute URL). */
export function safeNext(next: string | null): string | null {
  if (!next || !/^\/(producer|inspector|office)(?:[/?#]|$)/.test(next)) return null;
  return next;
}

export function signInHref(lang: Lang, next: string): string {
  const u = new URLSearchParams({ next });
  if (lang === 'en') u.set('lang', 'en');
  return `/dang-nhap?${u.toString()}`;
}

/** The session for a console page, or a redirect to the sign-in page (returns null then). */
export function requireSession(roles: readonly Role[], lang: Lang): Session | null {
  const s = loadSession();
  if (s && roles.includes(s.user.role)) return s;
  if (s) return s; // signed in with another role: the page says so
  location.assign(signInHref(lang, location.pathname + location.search));
  return null;
}

async function parse(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw body (photos), sent as is with its own content type. */
  raw?: Blob;
  timeoutMs?: number;
  /** Leave the session in place on 401 (the inspector keeps working offline). */
  keepSessionOn401?: boolean;
}

/** One call of the API with the session's token. Status 0 means the network failed. */
export async function call<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  path: string,
  opts: RequestOptions = {},
): Promise<ApiResult<T>> {
  const session = loadSession();
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (session) headers.authorization = `Bearer ${session.token}`;
  let body: BodyInit | undefined;
  if (opts.raw) {
    body = opts.raw;
    headers['content-type'] = opts.raw.type || 'application/octet-stream';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body,
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
    });
  } catch (err) {
    return { ok: false, status: 0, problem: { code: 'unreachable', detail: String(err) } };
  }
  const json = await parse(res);
  if (res.status === 401 && !opts.keepSessionOn401) clearSession();
  if (res.ok) return { ok: true, status: res.status, data: json as T };
  return {
    ok: false,
    status: res.status,
    problem: json && typeof json === 'object' ? json : { code: 'bad_response' },
  };
}

export const get = <T>(path: string, opts?: RequestOptions) => call<T>('GET', path, opts);
export const post = <T>(path: string, body: unknown, opts: RequestOptions = {}) =>
  call<T>('POST', path, { ...opts, body });

/** A file from the API (labels, reports, charts, photos) as a Blob. */
export async function getBlob(path: string, timeoutMs = 60_000): Promise<ApiResult<Blob>> {
  const session = loadSession();
  try {
    const res = await fetch(path, {
      headers: session ? { authorization: `Bearer ${session.token}` } : {},
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) {
      if (res.status === 401) clearSession();
      const problem = ((await parse(res)) ?? { code: 'bad_response' }) as Problem;
      return { ok: false, status: res.status, problem };
    }
    return { ok: true, status: res.status, data: await res.blob() };
  } catch (err) {
    return { ok: false, status: 0, problem: { code: 'unreachable', detail: String(err) } };
  }
}

/** Save a Blob as a file (a download the user sees). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The filename of a Content-Disposition header, else a default. */
export function filenameOf(fallback: string): string {
  return fallback.replace(/[^\p{L}\p{N}._-]+/gu, '-');
}

export function newId(): string {
  return crypto.randomUUID();
}

// ---------------------------------------------------------------------------------------------
// Sign-in

interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export async function signIn(email: string, password: string): Promise<ApiResult<Session>> {
  clearSession();
  let res: Response;
  try {
    res = await fetch('/api/v1/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email, password }),
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(20_000),
    });
  } catch (err) {
    return { ok: false, status: 0, problem: { code: 'unreachable', detail: String(err) } };
  }
  const json = await parse(res);
  if (!res.ok) return { ok: false, status: res.status, problem: json ?? {} };
  const t = json as TokenAnswer;
  const expiresAt = Date.now() + Math.max(60, t.expires_in - 30) * 1000;
  saveSession({
    token: t.access_token,
    expiresAt,
    user: { id: '', email, role: 'inspector', producerId: null },
  });
  const me = await get<Me>('/api/v1/me');
  if (!me.ok) {
    clearSession();
    return me;
  }
  const session: Session = { token: t.access_token, expiresAt, user: me.data };
  saveSession(session);
  return { ok: true, status: 200, data: session };
}

/** Sign out on this device: the token is forgotten (it expires by itself on the server). */
export function signOut(lang: Lang): void {
  clearSession();
  location.assign(lang === 'en' ? '/dang-nhap?lang=en' : '/dang-nhap');
}

// ---------------------------------------------------------------------------------------------
// Shapes the consoles read (a subset of the API's schemas, api/src/routes/*/schemas.ts).

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface CertificateBrief {
  id: string;
  stars: number;
  decisionNo: string;
  decisionDate: string;
  validTo: string;
  state: 'valid' | 'not_yet_valid' | 'expired' | 'revoked' | 'superseded';
}

export interface ProductRow {
  id: string;
  nameVi: string;
  nameEn: string | null;
  gtin: string | null;
  categoryCode: string;
  group: { code: string; nameVi: string; nameEn: string } | null;
  producer: { id: string; name: string; kind: string };
  commune: { id: string; name: string } | null;
  stars: number | null;
  certificateStatus: 'valid' | 'not_yet_valid' | 'expired' | 'revoked' | 'none';
  certificate: CertificateBrief | null;
}

export interface Certificate {
  id: string;
  productId: string;
  scoreA: number;
  scoreB: number;
  scoreC: number;
  totalScore: number;
  stars: number;
  level: string;
  authority: string;
  decisionNo: string;
  decisionDate: string;
  round: string | null;
  validFrom: string;
  validTo: string;
  status: 'active' | 'superseded' | 'revoked';
  state: CertificateBrief['state'];
  renewalDue: boolean;
  renewalDueOn: string;
  daysUntilExpiry: number;
  revocation: {
    reason: string;
    reasonVi: string;
    reasonEn: string;
    note: string | null;
    revokedAt: string;
  } | null;
}

export interface ProductDetail {
  id: string;
  nameVi: string;
  producer: { id: string; name: string };
  commune: { id: string; name: string } | null;
  certificate: Certificate | null;
  certificates: Certificate[];
  certificateStatus: ProductRow['certificateStatus'];
}

export interface Renewal {
  certificate: Certificate;
  product: { id: string; nameVi: string };
  producer: { id: string; name: string };
}

export interface Zone {
  id: string;
  scheme: string;
  code: string;
  name: string | null;
  issuer: string;
  cropOrSpecies: string;
  producerId: string | null;
  status: string;
  validTo: string | null;
}

export interface BatchEvent {
  id: string;
  type: string;
  occurredAt: string;
  place: string | null;
  actor: string | null;
  note: string | null;
}

export interface BatchSummary {
  id: string;
  productId: string;
  productName: string;
  producerId: string;
  lot: string;
  producedOn: string;
  bestBefore: string | null;
  quantity: number;
  unit: string;
  status: 'active' | 'recalled';
  recall: { reason: string; recalledAt: string } | null;
  createdAt: string;
}

export interface Batch extends BatchSummary {
  zones: { zoneId: string; scheme: string; code: string; name: string | null; cropOrSpecies: string }[];
  events: BatchEvent[];
}

export interface CodeRow {
  url: string;
  path: string;
  kind: 'batch' | 'unit';
  serial: string | null;
  issuedAt: string;
}

export interface IssuanceJob {
  id: string;
  total: number;
  done: number;
  status: 'running' | 'done' | 'failed';
  createdAt: string;
  csv: string;
}

export interface BatchCodes {
  batchId: string;
  batchCode: CodeRow | null;
  unitCodes: number;
  jobs: IssuanceJob[];
  csv: string;
}

export interface IssueResult {
  batchId: string;
  batchCode: CodeRow;
  units: { job: IssuanceJob; urls: string[] | null } | null;
}

export interface ScanStats {
  total: number;
  signed: number;
  firstAt: string | null;
  lastAt: string | null;
  devices: number;
  areas: number;
  last24h: number;
  maxPerHour: number;
  perDay: { day: string; scans: number }[];
  byArea: { area: string; scans: number }[];
  byVerdict: { verdict: string; scans: number }[];
}

export interface BatchAnalytics {
  batch: { id: string; lot: string; productName: string; quantity: number; unit: string; status: string };
  codes: { batch: number; units: number; scanned: number };
  scans: ScanStats;
  batchCodeScans: number;
  topCodes: {
    path: string;
    kind: string;
    scans: number;
    devices: number;
    areas: number;
    lastAt: string | null;
    signals: string[];
  }[];
  reports: number;
  findings: number;
}

export interface CodeAnalytics {
  codePath: string;
  issued: boolean;
  kind: 'batch' | 'unit' | null;
  product: { id: string; name: string } | null;
  batch: { id: string; lot: string; quantity: number; unitCodes: number; status: string } | null;
  scans: ScanStats;
  thresholds: { windowDays: number; devices: number; areas: number; burstPerHour: number };
  signals: string[];
  reports: {
    id: string;
    at: string;
    kind: string;
    verdict: string | null;
    place: string | null;
    caseId: string | null;
  }[];
  findings: {
    id: string;
    at: string;
    kind: string;
    verdict: string | null;
    place: string | null;
    caseId: string | null;
  }[];
  openCase: { id: string; status: string; title: string } | null;
}

export interface AdminUnit {
  id: string;
  name: string;
  level: string;
  parentId?: string | null;
  validTo?: string | null;
}

/** The site's first-party device id (lib/device.ts cookie), for clone detection on verify. */
export function deviceIdFromCookie(): string | undefined {
  const m = /(?:^|;\s*)ocop_did=([A-Za-z0-9_-]{22})(?:;|$)/.exec(document.cookie);
  return m?.[1];
}
