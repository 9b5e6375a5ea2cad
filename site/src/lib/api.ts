/**
 * The one typed client of the OCOP Trace API for server-rendered pages (STYLE: pages fetch in
 * frontmatter through one module). In production the Fastify instance arrives in `Astro.locals`
 * (api/src/plugins/site.ts) and every call is an `inject`: no network hop, same validation, same
 * rate limits (the client's address is passed on). In development (`astro dev`) it falls back to
 * `fetch` against OCOP_API_ORIGIN (default http://127.0.0.1:3000).
 *
 * Failures are values: every function returns `ApiResult`, never throws for HTTP or transport
 * errors, so a page can always render an honest message.
 */
import type { Lang } from './i18n.ts';
import { isObj, num, obj, str, toVerifyView, type Obj, type VerifyView } from './verify-view.ts';

export type { VerifyView, VerifyCheck } from './verify-view.ts';

/** The subset of Fastify's `inject` (light-my-request) the site uses. */
export interface Injector {
  inject(opts: {
    method: 'GET' | 'POST';
    url: string;
    payload?: string;
    headers?: Record<string, string>;
    remoteAddress?: string;
  }): Promise<{ statusCode: number; headers: Record<string, unknown>; payload: string }>;
}

export interface ApiContext {
  injector: Injector | undefined;
  /** Only for the development fetch fallback. */
  origin: string;
  clientIp: string | undefined;
  headers: Record<string, string>;
  publicBaseUrl: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
}

export type ApiResult<T> =
  { ok: true; status: number; data: T } | { ok: false; status: number; problem: Problem };

const FORWARDED_HEADERS = ['user-agent', 'accept-language'];

/** Build the context from what Astro gives a page. */
export function apiContext(astro: { locals: App.Locals; request: Request; url: URL }): ApiContext {
  const headers: Record<string, string> = {};
  for (const h of FORWARDED_HEADERS) {
    const v = astro.request.headers.get(h);
    if (v) headers[h] = v;
  }
  const devOrigin = (import.meta.env.OCOP_API_ORIGIN as string | undefined) ?? 'http://127.0.0.1:3000';
  return {
    injector: astro.locals.fastify,
    origin: astro.locals.fastify ? astro.url.origin : devOrigin,
    clientIp: astro.locals.clientIp,
    headers,
    publicBaseUrl: astro.locals.publicBaseUrl ?? astro.url.origin,
  };
}

async function call<T>(
  ctx: ApiContext,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...ctx.headers };
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let status: number;
  let text: string;
  try {
    if (ctx.injector) {
      const res = await ctx.injector.inject({
        method,
        url: path,
        headers,
        ...(payload !== undefined ? { payload } : {}),
        ...(ctx.clientIp ? { remoteAddress: ctx.clientIp } : {}),
      });
      status = res.statusCode;
      text = res.payload;
    } else {
      const res = await fetch(new URL(path, ctx.origin), {
        method,
        headers,
        ...(payload !== undefined ? { body: payload } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      text = await res.text();
    }
  } catch (err) {
    return { ok: false, status: 0, problem: { code: 'unreachable', detail: String(err) } };
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    return { ok: false, status, problem: { code: 'bad_response' } };
  }
  if (status >= 200 && status < 300) return { ok: true, status, data: json as T };
  return { ok: false, status, problem: (json && typeof json === 'object' ? json : {}) as Problem };
}

// ---------------------------------------------------------------------------------------------
// Verification: POST /api/v1/verify {code} (DESIGN "What a verification says").

/** Verify the text of a scanned code; `code` is the full code URL. */
export async function verifyCode(ctx: ApiContext, code: string): Promise<ApiResult<VerifyView>> {
  const res = await call<unknown>(ctx, 'POST', '/api/v1/verify', { code });
  if (!res.ok) return res;
  return { ok: true, status: res.status, data: toVerifyView(res.data, new Date().toISOString()) };
}

// ---------------------------------------------------------------------------------------------
// Catalogue: GET /api/v1/products, GET /api/v1/products/{id}.

export interface ProductSummary {
  id: string;
  name: string;
  nameEn: string | null;
  producer: string | null;
  producerId: string | null;
  commune: string | null;
  communeId: string | null;
  groupCode: string | null;
  category: string | null;
  stars: number | null;
  certificateStatus: string;
  validTo: string | null;
  imageUrl: string | null;
}

export interface ProductDetail extends ProductSummary {
  description: string | null;
  descriptionEn: string | null;
  gtin: string | null;
  producerKind: string | null;
  producerAddress: string | null;
  producerPhone: string | null;
  producerWebsite: string | null;
  certificate: NonNullable<VerifyView['certificate']> | null;
}

export interface ProductQuery {
  q?: string | undefined;
  commune?: string | undefined;
  group?: string | undefined;
  stars?: string | undefined;
  status?: string | undefined;
  producer?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface ProductPage {
  items: ProductSummary[];
  total: number;
  limit: number;
  offset: number;
}

function toProductSummary(p: Obj): ProductSummary {
  const pr = obj(p, 'producer');
  const c = obj(p, 'certificate', 'currentCertificate', 'current_certificate');
  return {
    id: str(p, 'id') ?? '',
    name: str(p, 'name_vi', 'nameVi', 'name') ?? '',
    nameEn: str(p, 'name_en', 'nameEn'),
    producer: str(p, 'producerName', 'producer_name') ?? str(pr, 'name'),
    producerId: str(p, 'producerId', 'producer_id') ?? str(pr, 'id'),
    commune: str(p, 'commune', 'communeName', 'commune_name', 'originUnit', 'origin_unit'),
    communeId:
      str(p, 'communeId', 'commune_id', 'originUnitId', 'origin_unit_id') ?? str(obj(p, 'commune'), 'id'),
    groupCode:
      str(p, 'groupCode', 'group_code', 'group') ??
      str(p, 'categoryCode', 'category_code')?.split('.')[0] ??
      null,
    category: str(p, 'categoryName', 'category_name', 'category'),
    stars: num(p, 'stars') ?? num(c, 'stars'),
    certificateStatus:
      str(p, 'certificateStatus', 'certificate_status', 'status') ?? str(c, 'state', 'status') ?? 'none',
    validTo: str(p, 'validTo', 'valid_to') ?? str(c, 'validTo', 'valid_to'),
    imageUrl: str(p, 'imageUrl', 'image_url'),
  };
}

export async function listProducts(ctx: ApiContext, query: ProductQuery): Promise<ApiResult<ProductPage>> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const res = await call<unknown>(ctx, 'GET', `/api/v1/products?${params.toString()}`);
  if (!res.ok) return res;
  const r = isObj(res.data) ? res.data : {};
  const items = (Array.isArray(r.items) ? r.items : Array.isArray(r.data) ? r.data : [])
    .filter(isObj)
    .map(toProductSummary);
  return {
    ok: true,
    status: res.status,
    data: {
      items,
      total: num(r, 'total') ?? items.length,
      limit: num(r, 'limit') ?? query.limit ?? items.length,
      offset: num(r, 'offset') ?? query.offset ?? 0,
    },
  };
}

export async function getProduct(ctx: ApiContext, id: string): Promise<ApiResult<ProductDetail>> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return { ok: false, status: 404, problem: { code: 'not_found' } };
  const res = await call<unknown>(ctx, 'GET', `/api/v1/products/${encodeURIComponent(id)}`);
  if (!res.ok) return res;
  const p = isObj(res.data) ? res.data : {};
  const pr = obj(p, 'producer');
  const c = obj(p, 'certificate', 'currentCertificate', 'current_certificate');
  const view = toVerifyView({ certificate: c }, new Date().toISOString());
  return {
    ok: true,
    status: res.status,
    data: {
      ...toProductSummary(p),
      description: str(p, 'description_vi', 'descriptionVi', 'description'),
      descriptionEn: str(p, 'description_en', 'descriptionEn'),
      gtin: str(p, 'gtin'),
      producerKind: str(pr, 'kind'),
      producerAddress: str(pr, 'address', 'addressLine', 'address_line'),
      producerPhone: str(pr, 'phone'),
      producerWebsite: str(pr, 'website'),
      certificate: view.certificate,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reports: POST /api/v1/reports.

export interface NewReport {
  reason: string;
  code?: string | undefined;
  productId?: string | undefined;
  verdict?: string | undefined;
  details?: string | undefined;
  place?: string | undefined;
  contact?: string | undefined;
  lang: Lang;
}

export async function createReport(ctx: ApiContext, report: NewReport): Promise<ApiResult<{ id: string }>> {
  const body = Object.fromEntries(Object.entries(report).filter(([, v]) => v !== undefined && v !== ''));
  return call<{ id: string }>(ctx, 'POST', '/api/v1/reports', body);
}

// ---------------------------------------------------------------------------------------------
// Communes that have products, for the catalogue filter.

export interface Commune {
  id: string;
  name: string;
}

/** The communes of the catalogue's products, by name (Vietnamese collation). */
export async function listCommunes(ctx: ApiContext): Promise<Commune[]> {
  const res = await listProducts(ctx, { limit: 100 });
  if (!res.ok) return [];
  const seen = new Map<string, string>();
  for (const p of res.data.items) if (p.communeId && p.commune) seen.set(p.communeId, p.commune);
  return [...seen].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name, 'vi'));
}
