import { randomUUID } from 'node:crypto';
import type { RouteOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '@ocop/db';
import { siteBuilt } from '../../api/src/plugins/site.ts';
import {
  INJECTIONS,
  WRONG_TYPES,
  getAt,
  leaves,
  randomJson,
  rng,
  sample,
  setAt,
  type IdPool,
  type Resolve,
} from './fuzz.ts';
import { onPostgres } from '../helpers/db.ts';
import { buildSecApp, type SecApp } from './support.ts';

/**
 * "Tried as a new user would, no input makes the API answer 500" (issue 8). Every route the app
 * registers — read from the app itself, so a new route is fuzzed the day it lands — gets, as every
 * role and anonymously, a valid-looking request built from its schemas, then, as a role that may
 * call it, the same request with each field, filter and path parameter replaced by SQL-injection
 * strings, NUL, lone surrogates, long and odd Unicode strings and wrong-typed values, plus random
 * JSON bodies. No answer may be 5xx. Filters must compare injected text literally: a list filtered
 * by `' OR 1=1--` has as many items as one filtered by text that matches nothing.
 */

interface CollectedRoute {
  method: string;
  url: string;
  schema: Record<string, unknown> | undefined;
  access: unknown;
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
/**
 * Mutated requests per route beyond the sample ones; the total stays bounded as routes are added.
 * The PostgreSQL pass fuzzes deeper, the PGlite pass (same SQL engine) lighter, for CI time.
 */
const BUDGET_PER_ROUTE = Number(process.env.FUZZ_BUDGET ?? (onPostgres ? 60 : 30));
const ROLES = ['admin', 'officer', 'producer', 'inspector'] as const;

let t: SecApp;
const routes: CollectedRoute[] = [];
const tokens = new Map<string, string>();
const pool: IdPool = new Map();
let resolve: Resolve;

beforeAll(async () => {
  t = await buildSecApp({ demoMode: true, serveSite: siteBuilt() }, {}, undefined, {
    onRoute: (route: RouteOptions) => {
      for (const method of [route.method].flat()) {
        if (method === 'HEAD' || method === 'OPTIONS') continue;
        routes.push({
          method,
          url: route.url,
          schema: route.schema as Record<string, unknown> | undefined,
          access: route.config?.access,
        });
      }
    },
  });
  const schemas = t.app.getSchemas() as Record<string, Record<string, unknown>>;
  resolve = (ref) => schemas[ref.replace(/^#\/components\/schemas\//, '').replace(/#$/, '')];
  for (const role of ROLES) {
    const user = await t.app.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', `${role}@demo.ocop.vn`)
      .executeTakeFirstOrThrow();
    tokens.set(role, `Bearer ${(await t.app.issueAccessToken(user.id)).token}`);
  }
  tokens.set('garbage', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
  const tables: [string, string, string][] = [
    ['products', 'products', 'id'],
    ['producers', 'producers', 'id'],
    ['batches', 'batches', 'id'],
    ['certificates', 'certificates', 'id'],
    ['zones', 'raw_material_zones', 'id'],
    ['users', 'users', 'id'],
    ['reports', 'reports', 'id'],
    ['admin_units', 'admin_units', 'id'],
  ];
  for (const [kind, table, column] of tables) {
    try {
      const { rows } = await sql<{
        id: string;
      }>`select ${sql.ref(column)}::text as id from ${sql.table(table)}
        order by 1 limit 3`.execute(t.app.db);
      pool.set(
        kind,
        rows.map((r) => r.id),
      );
    } catch {
      // a table of a feature not built yet
    }
  }
}, 120_000);

afterAll(async () => t?.close());

/** Percent-encode, a lone surrogate as the (invalid) UTF-8 bytes a hostile client would send. */
function enc(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return [...v]
      .map((ch) => {
        try {
          return encodeURIComponent(ch);
        } catch {
          return '%ED%A0%80';
        }
      })
      .join('');
  }
}

/** The body with a new top-level `id` when it carries a client-made UUID. */
function freshId(body: unknown): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const id = (body as Record<string, unknown>).id;
    if (typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id)) return { ...body, id: randomUUID() };
  }
  return body;
}

/** Fill `:param` and `*` of a route URL. */
function fillUrl(url: string, params: Record<string, string>): string {
  return url
    .replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => enc(params[name] ?? 'x'))
    .replace(/\*$/, params['*'] ?? 'fuzz');
}

/** The id pool of a path parameter: the resource named before it, e.g. /batches/:id → batches. */
function paramValue(url: string, name: string): string {
  if (name !== 'id') {
    const fromName = sample({ type: 'string', format: 'uuid' }, name, resolve, pool);
    return String(fromName);
  }
  const m = new RegExp(`/([a-z-]+)/:${name}`).exec(url);
  const kind = m?.[1]?.replace(/-/g, '_');
  return (kind && pool.get(kind)?.[0]) ?? '00000000-0000-4000-8000-000000000000';
}

function roleFor(access: unknown): string | undefined {
  if (access === 'public') return undefined;
  if (access === 'authenticated') return 'admin';
  if (Array.isArray(access)) return access.includes('admin') ? 'admin' : (access[0] as string);
  return 'admin';
}

interface Failure {
  route: string;
  status: number;
  request: string;
  body: string;
}

let clientSeq = 0;
async function send(
  route: CollectedRoute,
  as: string | undefined,
  url: string,
  payload: unknown,
  raw = false,
): Promise<{ status: number; body: string; location?: string }> {
  clientSeq += 1;
  const headers: Record<string, string> = {};
  const authorization = as ? tokens.get(as) : undefined;
  if (authorization) headers.authorization = authorization;
  const hasBody = payload !== undefined && !['GET', 'DELETE'].includes(route.method);
  if (hasBody) headers['content-type'] = 'application/json';
  const res = await t.app.inject({
    method: route.method as 'GET',
    url,
    headers,
    // A distinct client address per request: the fuzz must see the handlers, not the rate limits.
    remoteAddress: `100.${(clientSeq >> 16) & 255}.${(clientSeq >> 8) & 255}.${clientSeq & 255}`,
    ...(hasBody ? { payload: raw && typeof payload === 'string' ? payload : JSON.stringify(payload) } : {}),
  });
  const location = res.headers.location;
  return { status: res.statusCode, body: res.body, ...(typeof location === 'string' ? { location } : {}) };
}

function describeRequest(url: string, payload: unknown): string {
  const text = payload === undefined ? '' : ` ${JSON.stringify(payload)}`;
  return `${url}${text}`.slice(0, 300);
}

describe('no input makes any route answer 5xx', () => {
  it('fuzzes every registered route as every role', async () => {
    const r = rng(SEED);
    const failures: Failure[] = [];
    let requests = 0;
    const statuses: Record<number, number> = {};
    const literal: string[] = [];
    const redirects: string[] = [];
    const record = (
      route: CollectedRoute,
      url: string,
      payload: unknown,
      res: { status: number; body: string; location?: string },
    ) => {
      requests += 1;
      // V12: a redirect never leads to another origin, whatever the input (CWE-601).
      if (res.location !== undefined) {
        const target = new URL(res.location, 'https://ocop.test/');
        if (target.origin !== 'https://ocop.test') redirects.push(`${route.method} ${url} → ${res.location}`);
      }
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status >= 500) {
        failures.push({
          route: `${route.method} ${route.url}`,
          status: res.status,
          request: describeRequest(url, payload),
          body: res.body.slice(0, 200),
        });
      }
    };

    for (const route of routes) {
      const s = route.schema ?? {};
      const paramNames = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
      const params = Object.fromEntries(paramNames.map((n) => [n, paramValue(route.url, n)]));
      const query = s.querystring
        ? (sample(s.querystring, 'query', resolve, pool) as Record<string, unknown>)
        : {};
      const body = s.body ? sample(s.body, 'body', resolve, pool) : undefined;
      const withQuery = (q: Record<string, unknown>) => {
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries(q)) {
          if (v === undefined) continue;
          for (const item of [v].flat()) qs.append(k, typeof item === 'string' ? item : JSON.stringify(item));
        }
        const text = qs.toString();
        return text ? `?${text}` : '';
      };
      const baseUrl = (p: Record<string, string> = params) => fillUrl(route.url, p);

      // 1. The sample request as anonymous, every role and a garbage token (authz paths).
      for (const as of [undefined, ...ROLES, 'garbage']) {
        const url = baseUrl() + withQuery(query);
        record(route, url, body, await send(route, as, url, body));
      }

      // 2. Mutations as a role that may call the route.
      const as = roleFor(route.access);
      const mutations: (() => Promise<void>)[] = [];
      if (body !== undefined) {
        for (const path of leaves(body)) {
          for (const inj of INJECTIONS) {
            mutations.push(async () => {
              // A fresh client-made id, so an exactly-once create does not replay the first one.
              const payload = setAt(freshId(body), path, inj);
              const url = baseUrl() + withQuery(query);
              const res = await send(route, as, url, payload);
              record(route, url, payload, res);
              // A stored or echoed injection comes back literally (parameterised, never interpreted).
              if (res.status < 300 && path.length > 0 && inj.trim() && !inj.includes('\u0000')) {
                try {
                  const echoed = getAt(JSON.parse(res.body), path);
                  if (
                    typeof echoed === 'string' &&
                    echoed.trim().normalize('NFC') !== inj.trim().normalize('NFC')
                  ) {
                    literal.push(
                      `${route.method} ${route.url} ${path.join('.')}: sent ${JSON.stringify(inj).slice(0, 40)}, got ${JSON.stringify(echoed).slice(0, 40)}`,
                    );
                  }
                } catch {
                  // not JSON
                }
              }
            });
          }
          for (const wrong of WRONG_TYPES) {
            mutations.push(async () => {
              const payload = setAt(body, path, wrong);
              const url = baseUrl() + withQuery(query);
              record(route, url, payload, await send(route, as, url, payload));
            });
          }
        }
        for (const extra of [
          { role: 'admin' },
          { producerId: pool.get('producers')?.[1] ?? 'x' },
          { status: 'active' },
        ]) {
          mutations.push(async () => {
            const payload =
              body && typeof body === 'object' && !Array.isArray(body) ? { ...body, ...extra } : extra;
            const url = baseUrl() + withQuery(query);
            record(route, url, payload, await send(route, as, url, payload));
          });
        }
        for (let i = 0; i < 6; i++) {
          mutations.push(async () => {
            const payload = randomJson(r);
            const url = baseUrl() + withQuery(query);
            record(route, url, payload, await send(route, as, url, payload));
          });
        }
        mutations.push(async () => {
          const raw = '{"__proto__":{"admin":true},' + JSON.stringify(body ?? {}).slice(1);
          const url = baseUrl() + withQuery(query);
          record(route, url, raw, await send(route, as, url, raw, true));
        });
      }
      const queryProps = Object.keys(
        (s.querystring as { properties?: Record<string, unknown> } | undefined)?.properties ?? {},
      );
      for (const k of [...queryProps, 'sort', 'unknownParam']) {
        for (const v of [...INJECTIONS.slice(0, 12), '1000000', '-1', '1e309', 'password_hash']) {
          mutations.push(async () => {
            const url = baseUrl() + withQuery({ ...query, [k]: v });
            record(route, url, body, await send(route, as, url, body));
          });
        }
      }
      for (const name of [...paramNames, ...(route.url.endsWith('*') ? ['*'] : [])]) {
        for (const v of [
          ...INJECTIONS,
          'a'.repeat(600),
          '%',
          '..',
          '%2e%2e%2f',
          '00000000-0000-0000-0000-000000000000',
        ]) {
          mutations.push(async () => {
            const url =
              name === '*'
                ? route.url.replace(/\*$/, enc(v).replace(/%2F/g, '/'))
                : baseUrl({ ...params, [name]: v });
            record(route, url, body, await send(route, as, url, body));
          });
        }
      }
      // A bounded, reproducible share of the mutations.
      for (let i = mutations.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [mutations[i], mutations[j]] = [mutations[j]!, mutations[i]!];
      }
      for (const m of mutations.slice(0, BUDGET_PER_ROUTE)) await m();
    }

    console.log(
      `  [fuzz] seed ${SEED}: ${routes.length} routes, ${requests} requests, statuses ${JSON.stringify(statuses)}`,
    );
    expect(routes.length).toBeGreaterThan(3);
    expect(failures).toEqual([]);
    expect(literal).toEqual([]);
    expect(redirects).toEqual([]);
    // Nothing the fuzz sent broke the registry: the audit chain still verifies, the tables are there.
    expect(await verifyAuditChain(t.app.db)).toMatchObject({ ok: true });
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from users`.execute(t.app.db);
    expect(rows[0]!.n).toBeGreaterThanOrEqual(4);
  }, 600_000);

  it('list filters compare injected text literally: as many results as for text that matches nothing', async () => {
    const checked: string[] = [];
    for (const route of routes.filter(
      (x) => x.method === 'GET' && !x.url.includes(':') && x.url.startsWith('/api/'),
    )) {
      const props = ((
        route.schema?.querystring as
          { properties?: Record<string, { type?: unknown; format?: unknown; anyOf?: unknown }> } | undefined
      )?.properties ?? {}) as Record<string, { type?: unknown; format?: unknown; anyOf?: unknown }>;
      const textFilters = Object.entries(props)
        .filter(([, v]) => v.type === 'string' && v.format === undefined)
        .map(([k]) => k);
      const as = roleFor(route.access);
      for (const k of textFilters) {
        const count = async (v: string) => {
          const res = await send(
            route,
            as,
            `${route.url}?${new URLSearchParams({ [k]: v }).toString()}`,
            undefined,
          );
          if (res.status !== 200) return `status ${res.status}`;
          const parsed = JSON.parse(res.body) as { items?: unknown[]; total?: number } | unknown[];
          return Array.isArray(parsed) ? parsed.length : (parsed.total ?? parsed.items?.length ?? -1);
        };
        const none = await count('zzqxj-matches-nothing');
        for (const inj of ["' OR 1=1--", '%', '%_%', '_', "' OR ''='", '\\', '*']) {
          const got = await count(inj);
          if (typeof none === 'number' && typeof got === 'number') {
            expect(got, `${route.url}?${k}=${inj}`).toBe(none);
          } else {
            expect(String(got)).not.toMatch(/status 5/);
          }
        }
        checked.push(`${route.url}?${k}`);
      }
    }
    console.log(`  [fuzz] literal filters checked: ${checked.join(', ') || 'none yet'}`);
  }, 120_000);
});
