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
import type {
  ProductDetail as ApiProductDetail,
  ProductQuery as ApiProductQuery,
  ProductSummary as ApiProductSummary,
} from '../../../api/src/routes/products/schemas.ts';
import type { AdminUnit as ApiAdminUnit } from '../../../api/src/routes/admin-units/schemas.ts';
import { toVerifyView, type VerifyResponse, type VerifyView } from './verify-view.ts';
import { addressWithCommune } from './address.ts';

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
  const devOrigin = import.meta.env.OCOP_API_ORIGIN ?? 'http://127.0.0.1:3000';
  return {
    injector: astro.locals.fastify,
    origin: astro.locals.fastify ? astro.url.origin : devOrigin,
    clientIp: astro.locals.clientIp,
    headers,
    // In development the API's PUBLIC_BASE_URL (the origin the codes were printed for), if given.
    publicBaseUrl: astro.locals.publicBaseUrl ?? import.meta.env.PUBLIC_BASE_URL ?? astro.url.origin,
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
  return { ok: false, status, problem: json && typeof json === 'object' ? json : {} };
}

// ---------------------------------------------------------------------------------------------
// Verification: POST /api/v1/verify {code} (DESIGN "What a verification says").

/**
 * Verify the text of a scanned code; `code` is the full code URL. `deviceId` is the browser's
 * random device id (a first-party cookie), which the API keeps only as a keyed hash to count the
 * distinct devices that scanned a unit code (clone detection).
 */
export async function verifyCode(
  ctx: ApiContext,
  code: string,
  deviceId?: string,
): Promise<ApiResult<VerifyView>> {
  const res = await call<VerifyResponse>(ctx, 'POST', '/api/v1/verify', {
    code,
    ...(deviceId ? { deviceId } : {}),
  });
  if (!res.ok) return res;
  return { ok: true, status: res.status, data: toVerifyView(res.data, new Date().toISOString()) };
}

// ---------------------------------------------------------------------------------------------
// Catalogue: GET /api/v1/products, GET /api/v1/products/{id}, GET /api/v1/admin-units.
// Types come from the API's TypeBox schemas (type-only imports: nothing of the API is bundled).

export type { ApiProductSummary, ApiProductDetail, ApiProductQuery };

/** A catalogue entry as the pages show it. */
export interface ProductSummary {
  id: string;
  name: string;
  nameEn: string | null;
  producer: string;
  producerId: string;
  producerKind: string;
  commune: string | null;
  /** Top group of the 148 taxonomy: I (food) … VI (tourism). */
  groupCode: string | null;
  groupName: { vi: string; en: string } | null;
  stars: number | null;
  /** valid, not_yet_valid, expired, revoked or none. */
  certificateStatus: string;
  validTo: string | null;
  imageUrl: string | null;
}

export interface ProductDetail extends ProductSummary {
  description: string | null;
  descriptionEn: string | null;
  gtin: string | null;
  category: { vi: string; en: string } | null;
  producerAddress: string | null;
  producerWebsite: string | null;
  certificate: NonNullable<VerifyView['certificate']> | null;
  zones: { scheme: string; code: string; name: string | null; crop: string | null }[];
}

export type ProductQuery = Pick<
  ApiProductQuery,
  'q' | 'commune' | 'group' | 'stars' | 'certificateStatus' | 'producer' | 'limit' | 'offset'
>;

export interface ProductPage {
  items: ProductSummary[];
  total: number;
  limit: number;
  offset: number;
}

/** Only images of our own origin (a path): never a URL a producer typed in. */
const localImage = (path: string | null): string | null =>
  path && /^\/[A-Za-z0-9/_.-]+$/.test(path) ? path : null;

function toSummary(p: ApiProductSummary | ApiProductDetail): ProductSummary {
  const group = 'group' in p ? p.group : (p.categoryPath.find((c) => c.level === 'group') ?? null);
  return {
    id: p.id,
    name: p.nameVi,
    nameEn: p.nameEn,
    producer: p.producer.name,
    producerId: p.producer.id,
    producerKind: p.producer.kind,
    commune: p.commune?.name ?? null,
    groupCode: group?.code ?? p.categoryCode.split('.')[0] ?? null,
    groupName: group ? { vi: group.nameVi, en: group.nameEn } : null,
    stars: p.stars,
    certificateStatus: p.certificateStatus,
    validTo: p.certificate?.validTo ?? null,
    imageUrl: localImage(p.imagePath),
  };
}

export async function listProducts(ctx: ApiContext, query: ProductQuery): Promise<ApiResult<ProductPage>> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const res = await call<{ items: ApiProductSummary[]; total: number; limit: number; offset: number }>(
    ctx,
    'GET',
    `/api/v1/products?${params.toString()}`,
  );
  if (!res.ok) return res;
  return { ok: true, status: res.status, data: { ...res.data, items: res.data.items.map(toSummary) } };
}

export async function getProduct(ctx: ApiContext, id: string): Promise<ApiResult<ProductDetail>> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return { ok: false, status: 404, problem: { code: 'not_found' } };
  const res = await call<ApiProductDetail>(ctx, 'GET', `/api/v1/products/${encodeURIComponent(id)}`);
  if (!res.ok) return res;
  const p = res.data;
  const c = p.certificate;
  const leaf = p.categoryPath[p.categoryPath.length - 1];
  return {
    ok: true,
    status: res.status,
    data: {
      ...toSummary(p),
      description: p.descriptionVi,
      descriptionEn: p.descriptionEn,
      gtin: p.gtin,
      category: leaf && leaf.level !== 'group' ? { vi: leaf.nameVi, en: leaf.nameEn } : null,
      producerAddress: addressWithCommune(p.producer.addressLine, p.producer.adminUnitName),
      producerWebsite: p.producer.website,
      certificate: c
        ? {
            stars: c.stars,
            level: c.level,
            authority: c.authority,
            decisionNo: c.decisionNo,
            decisionDate: c.decisionDate,
            validFrom: c.validFrom,
            validTo: c.validTo,
            status: c.state,
            revocationReason: c.revocation?.reason ?? null,
            revokedAt: c.revocation?.revokedAt ?? null,
            madeWhileValid: null,
          }
        : null,
      zones: p.zones.map((z) => ({ scheme: z.scheme, code: z.code, name: z.name, crop: z.cropOrSpecies })),
    },
  };
}

/** The commune-level units of today (communes, wards, special zones), for the catalogue filter. */
export async function listCommunes(ctx: ApiContext, today: string): Promise<{ id: string; name: string }[]> {
  const res = await call<{ items: ApiAdminUnit[] }>(ctx, 'GET', `/api/v1/admin-units?on=${today}`);
  if (!res.ok) return [];
  return res.data.items
    .filter((u) => u.level === 'commune' || u.level === 'ward' || u.level === 'special_zone')
    .map((u) => ({ id: u.id, name: u.name }))
    .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
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
