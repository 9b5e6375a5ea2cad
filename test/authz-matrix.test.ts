import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Role } from '@ocop/db';
import type { Access } from '../api/src/access.ts';
import { buildApp } from '../api/src/app.ts';
import { testConfig } from '../api/src/config.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';
import { createUser } from './helpers/app.ts';
import { makeProducer } from './helpers/factories.ts';

/**
 * The roles × routes matrix (issue 3, "Authorization per object"): every route the app registers
 * must have a row here saying who may call it, and the app must behave so for every caller:
 * - anonymous on a route that is not public → 401;
 * - a signed-in role the route does not allow → 403;
 * - an allowed caller → neither 401 nor 403 (nor a 5xx), whatever the handler then decides.
 *
 * ADDING A ROUTE? Add its row below: `'METHOD /path/as/registered': access`, with access as in
 * api/src/access.ts ('public', 'authenticated' or the list of roles). The test fails for a route
 * without a row, for a row without a route, and when a row disagrees with the route's declared
 * `config.access`. HEAD routes mirror their GET and are not listed. Path parameters get the
 * sample values of PARAMS (a random UUID for anything named like an id).
 */
const MATRIX: Record<string, Access> = {
  // documentation and health
  'GET /api/docs': 'public',
  'GET /api/docs/static/index.html': 'public',
  'GET /api/docs/static/swagger-initializer.js': 'public',
  'GET /api/docs/json': 'public',
  'GET /api/docs/yaml': 'public',
  'GET /api/docs/static/*': 'public',
  'GET /api/openapi.json': 'public',
  'GET /api/health': 'public',
  // sign-in (routes/auth)
  'POST /api/v1/auth/token': 'public',
  'GET /api/v1/me': 'authenticated',
  // consumer reports (routes/reports)
  'POST /api/v1/reports': 'public',
  'GET /api/v1/reports': ['admin', 'officer', 'inspector'],
  // reference data (routes/admin-units)
  'GET /api/v1/admin-units': 'public',
  'GET /api/v1/categories': 'public',
  // producers (routes/producers)
  'GET /api/v1/producers': 'authenticated',
  'GET /api/v1/producers/:id': 'authenticated',
  'POST /api/v1/producers': ['admin', 'officer'],
  'PATCH /api/v1/producers/:id': ['admin', 'officer', 'producer'],
  // products (routes/products)
  'GET /api/v1/products': 'public',
  'GET /api/v1/products/:id': 'public',
  'POST /api/v1/products': ['admin', 'officer', 'producer'],
  'PATCH /api/v1/products/:id': ['admin', 'officer', 'producer'],
  // certificates (routes/certificates)
  'POST /api/v1/certificates': ['admin', 'officer'],
  'GET /api/v1/certificates/renewals': ['admin', 'officer', 'producer', 'inspector'],
  'GET /api/v1/certificates/:id': 'public',
  'POST /api/v1/certificates/:id/revoke': ['admin', 'officer'],
  // raw-material zones (routes/zones)
  'GET /api/v1/zones': 'authenticated',
  'GET /api/v1/zones/:id': 'authenticated',
  'POST /api/v1/zones': ['admin', 'officer', 'producer'],
  'PATCH /api/v1/zones/:id': ['admin', 'officer', 'producer'],
  // batches (routes/batches)
  'GET /api/v1/batches': 'authenticated',
  'GET /api/v1/batches/:id': 'authenticated',
  'POST /api/v1/batches': ['admin', 'producer'],
  'POST /api/v1/batches/:id/events': ['admin', 'producer', 'inspector'],
  'POST /api/v1/batches/:id/recall': ['admin', 'officer', 'producer'],
  'GET /api/v1/analytics/batches/:id': ['admin', 'officer', 'producer', 'inspector'],
  // users (routes/users)
  'GET /api/v1/users': ['admin'],
  'GET /api/v1/users/:id': ['admin'],
  'POST /api/v1/users': ['admin'],
  'POST /api/v1/users/:id/disable': ['admin'],
  'POST /api/v1/users/:id/enable': ['admin'],
  // audit log (routes/audit)
  'GET /api/v1/audit': ['admin'],
  'GET /api/v1/audit/verify': ['admin'],
  // security alerts (routes/security)
  'GET /api/v1/security/alerts': ['admin'],
  'POST /api/v1/audit/checkpoints': ['admin'],
  'POST /api/v1/audit/checkpoints/verify': ['admin'],
  // GS1 resolver (routes/resolver)
  'OPTIONS /01': 'public',
  'OPTIONS /01/*': 'public',
  'OPTIONS /p': 'public',
  'OPTIONS /p/*': 'public',
  'OPTIONS /.well-known/gs1resolver': 'public',
  'OPTIONS /api/v1/batches/:id/recall-status': 'public',
  'GET /01': 'public',
  'GET /01/*': 'public',
  'GET /p': 'public',
  'GET /p/*': 'public',
  'GET /.well-known/gs1resolver': 'public',
  'GET /api/v1/batches/:id/recall-status': 'public',
  // EPCIS (routes/epcis)
  'OPTIONS /api/v1/batches/:id/epcis': 'public',
  'OPTIONS /api/v1/epcis/events': 'public',
  'GET /api/v1/batches/:id/epcis': 'public',
  'GET /api/v1/epcis/events': 'public',
  'POST /api/v1/batches/:id/epcis': ['producer', 'admin'],
  // privacy (routes/privacy)
  'POST /api/v1/privacy/reporters/export': ['admin'],
  'POST /api/v1/privacy/reporters/erase': ['admin'],
  // signing keys (routes/jwks, routes/keys)
  'GET /.well-known/jwks.json': 'public',
  'GET /api/v1/keys': 'public',
  'POST /api/v1/keys/rotate': ['admin'],
  'POST /api/v1/keys/:kid/revoke': ['admin'],
  // codes (routes/codes)
  'POST /api/v1/batches/:id/codes': ['admin', 'officer', 'producer'],
  'GET /api/v1/batches/:id/codes': ['admin', 'officer', 'producer'],
  'GET /api/v1/batches/:id/labels': ['admin', 'officer', 'producer'],
  'GET /api/v1/batches/:id/label-layouts': ['admin', 'officer', 'producer'],
  'POST /api/v1/batches/:id/label-jobs': ['admin', 'officer', 'producer'],
  'GET /api/v1/label-jobs/:id': ['admin', 'officer', 'producer'],
  'GET /api/v1/label-jobs/:id/file': ['admin', 'officer', 'producer'],
  'POST /api/v1/label-jobs/:id/retry': ['admin', 'officer', 'producer'],
  'GET /api/v1/batches/:id/codes/jobs/:jobId': ['admin', 'officer', 'producer'],
  'GET /api/v1/analytics/codes': ['admin', 'officer', 'inspector'],
  // verification (routes/verify, routes/snapshot)
  'POST /api/v1/verify': 'public',
  'GET /api/v1/registry/snapshot': 'public',
  // verifiable credentials (routes/credentials)
  'OPTIONS /api/v1/certificates/:id/credential': 'public',
  'GET /api/v1/certificates/:id/credential': 'public',
  // inspections (routes/findings)
  'POST /api/v1/findings': ['inspector', 'admin'],
  'GET /api/v1/findings': ['inspector', 'admin', 'officer'],
  'GET /api/v1/findings/report': ['inspector', 'admin', 'officer'],
  'GET /api/v1/findings/:id': ['inspector', 'admin', 'officer'],
  'PUT /api/v1/findings/:id/photos/:photoId': ['inspector', 'admin'],
  'GET /api/v1/findings/:id/photos/:photoId': ['inspector', 'admin', 'officer'],
  // cases (routes/cases)
  'GET /api/v1/cases': ['admin', 'officer'],
  'POST /api/v1/cases': ['admin', 'officer'],
  'GET /api/v1/cases/:id': ['admin', 'officer'],
  'PATCH /api/v1/cases/:id': ['admin', 'officer'],
  'POST /api/v1/cases/:id/notes': ['admin', 'officer'],
  'POST /api/v1/cases/:id/links': ['admin', 'officer'],
  'POST /api/v1/cases/:id/close': ['admin', 'officer'],
  'POST /api/v1/cases/:id/reopen': ['admin', 'officer'],
  // analytics (routes/analytics)
  'GET /api/v1/analytics/signals': ['admin', 'officer'],
  // dashboard (routes/dashboard)
  'GET /api/v1/dashboard': ['admin', 'officer'],
  'GET /api/v1/dashboard/charts/:chart': ['admin', 'officer'],
  'GET /api/v1/targets': ['admin', 'officer'],
  'PUT /api/v1/targets/:year/:metric': ['admin'],
};

/** Values for path parameters; any parameter ending in "id"/"Id" gets a UUID that matches nothing. */
const PARAMS: Record<string, string> = {
  kid: 'no-such-key',
  chart: 'stars',
  year: '2026',
  metric: 'products',
  '*': 'index.html',
};
const NO_SUCH_ID = '00000000-0000-4000-8000-00000000abcd';

const ROLES: readonly Role[] = ['admin', 'officer', 'producer', 'inspector'];
type Caller = Role | 'anonymous';

interface RegisteredRoute {
  method: string;
  url: string;
  access: Access | undefined;
}

let db: TestDb;
let app: FastifyInstance;
const routes: RegisteredRoute[] = [];
const tokens = new Map<Caller, string | undefined>();

beforeAll(async () => {
  db = await createTestDb();
  app = await buildApp(testConfig(), {
    db,
    onRoute: (route: RouteOptions) => {
      for (const method of [route.method].flat()) {
        routes.push({ method, url: route.url, access: route.config?.access });
      }
    },
  });
  await app.ready();
  const producer = await makeProducer(app.db);
  tokens.set('anonymous', undefined);
  for (const role of ROLES) {
    const binding =
      role === 'producer'
        ? { producerId: producer.id }
        : role === 'officer'
          ? { adminUnitId: 'qng-2025' }
          : {};
    tokens.set(role, (await createUser(app, role, binding)).authorization);
  }
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const keyOf = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

/** The routes to check: every registered route except the HEAD twins of GET routes. */
function checked(): RegisteredRoute[] {
  const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.url));
  return routes.filter((r) => !(r.method === 'HEAD' && gets.has(r.url)));
}

/** Undeclared access is only allowed for the Swagger UI's own routes, which are public. */
function declared(r: RegisteredRoute): Access {
  return r.access ?? 'public';
}

function normal(a: Access): string {
  return typeof a === 'string' ? a : [...a].sort().join(',');
}

function allows(a: Access, caller: Caller): boolean {
  if (a === 'public') return true;
  if (caller === 'anonymous') return false;
  return a === 'authenticated' || a.includes(caller);
}

function samplePath(url: string): string {
  return url
    .replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, (_m, name: string) =>
      /id$/i.test(name) ? NO_SUCH_ID : (PARAMS[name] ?? 'x'),
    )
    .replace(/\*$/, PARAMS['*'] ?? 'x');
}

describe('roles × routes', () => {
  it('has exactly one row per registered route, agreeing with its declared access', () => {
    const registered = checked();
    const missing = registered.filter((r) => !(keyOf(r) in MATRIX)).map(keyOf);
    expect(missing, 'routes without a row in MATRIX: add them').toEqual([]);
    const keys = new Set(registered.map(keyOf));
    const stale = Object.keys(MATRIX).filter((k) => !keys.has(k));
    expect(stale, 'rows without a registered route: remove them').toEqual([]);
    const disagree = registered
      .filter((r) => normal(declared(r)) !== normal(MATRIX[keyOf(r)] ?? 'public'))
      .map(
        (r) => `${keyOf(r)}: declared ${normal(declared(r))}, matrix ${normal(MATRIX[keyOf(r)] ?? 'public')}`,
      );
    expect(disagree).toEqual([]);
    expect(registered.length).toBeGreaterThan(40);
  });

  it('answers 401 to anonymous callers of private routes, 403 to roles not allowed, and lets allowed ones through', async () => {
    const failures: string[] = [];
    for (const route of checked()) {
      const access = MATRIX[keyOf(route)];
      if (access === undefined) continue; // reported by the test above
      const url = samplePath(route.url);
      const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
      for (const caller of ['anonymous', ...ROLES] as const) {
        const authorization = tokens.get(caller);
        const res = await app.inject({
          method: route.method as 'GET',
          url,
          remoteAddress: `198.51.100.${ROLES.indexOf(caller as Role) + 2}`,
          headers: {
            ...(authorization ? { authorization } : {}),
            ...(hasBody ? { 'content-type': 'application/json' } : {}),
          },
          ...(hasBody ? { payload: '{}' } : {}),
        });
        const status = res.statusCode;
        let expected: string;
        let ok: boolean;
        if (allows(access, caller)) {
          expected = 'not 401/403/5xx';
          ok = status !== 401 && status !== 403 && status < 500;
        } else if (caller === 'anonymous') {
          expected = '401 unauthenticated';
          ok = status === 401 && res.json<{ code: string }>().code === 'unauthenticated';
        } else {
          expected = '403 forbidden';
          ok = status === 403 && res.json<{ code: string }>().code === 'forbidden';
        }
        if (!ok) failures.push(`${keyOf(route)} as ${caller}: got ${status}, expected ${expected}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
