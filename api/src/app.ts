import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DbHandle } from '@ocop/db';
import type { Config } from './config.ts';
import './access.ts';
import { dbPlugin } from './plugins/db.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { validationPlugin } from './plugins/validation.ts';
import { resolveLimits, securityPlugin, type Limits } from './plugins/security.ts';
import { secretsPlugin } from './plugins/secrets.ts';
import { authPlugin } from './plugins/auth.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { idempotencyPlugin, type IdempotencyOptions } from './plugins/idempotency.ts';
import { enumerationPlugin, type EnumerationPluginOptions } from './plugins/enumeration.ts';
import rateLimit from '@fastify/rate-limit';
import { rateLimitStores } from './security/rate-limit-stores.ts';
import health from './routes/health/index.ts';
import auth from './routes/auth/index.ts';
import reports from './routes/reports/index.ts';
import adminUnits from './routes/admin-units/index.ts';
import producers from './routes/producers/index.ts';
import products from './routes/products/index.ts';
import certificates from './routes/certificates/index.ts';
import zones from './routes/zones/index.ts';
import batches from './routes/batches/index.ts';
import users from './routes/users/index.ts';
import audit from './routes/audit/index.ts';
import resolver from './routes/resolver/index.ts';
import epcis from './routes/epcis/index.ts';
import credentials from './routes/credentials/index.ts';
import privacy from './routes/privacy/index.ts';
import { keysPlugin } from './plugins/keys.ts';
import { verifyHotPlugin } from './routes/verify/hot.ts';
import jwks from './routes/jwks/index.ts';
import keys from './routes/keys/index.ts';
import codes from './routes/codes/index.ts';
import verify from './routes/verify/index.ts';
import snapshot from './routes/snapshot/index.ts';
import findings from './routes/findings/index.ts';
import cases from './routes/cases/index.ts';
import analytics from './routes/analytics/index.ts';
import dashboard from './routes/dashboard/index.ts';
import labels from './routes/labels/index.ts';
import type { LabelJobOptions } from './routes/labels/jobs.ts';
import security from './routes/security/index.ts';
import { sitePlugin, siteBuilt } from './plugins/site.ts';

export interface BuildOptions {
  /** Use an already open database (tests share one handle per file). */
  db?: DbHandle;
  logger?: FastifyServerOptions['logger'];
  /** Server timeouts and rate limits (plugins/security.ts); tests shorten them. */
  limits?: Partial<Limits>;
  /** Idempotency-Key claim lease and heartbeat (plugins/idempotency.ts); tests shorten them. */
  idempotency?: Partial<IdempotencyOptions>;
  /** Label job lease and heartbeat, and a hold on claimed jobs (routes/labels/jobs.ts); tests set them. */
  labelJobs?: Partial<LabelJobOptions>;
  /** Enumeration count sharing (plugins/enumeration.ts); tests share by hand (`syncIntervalMs: 0`). */
  enumeration?: EnumerationPluginOptions;
  /** Called for every route as it is registered (tests: the fuzz and the roles × routes matrix). */
  onRoute?: (route: RouteOptions) => void;
}

/**
 * Build the whole API as a Fastify instance. Never listens: `server.ts` does, tests `inject`.
 * Plugins load in a fixed order: errors and validation, database, then routes.
 */
export async function buildApp(config: Readonly<Config>, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const limits = resolveLimits(opts.limits);
  const app = Fastify({
    logger:
      opts.logger ??
      (config.logLevel === 'silent'
        ? false
        : { level: config.logLevel, redact: ['req.headers.authorization'] }),
    bodyLimit: 256 * 1024,
    // Only trust X-Forwarded-For from configured reverse proxies (reliability: rate limits by client).
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    // Slowloris and slow bodies (reliability.md §2.2: Fastify's requestTimeout defaults to none).
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
    },
    // `__proto__` and `constructor.prototype` keys in JSON answer 400 before any handler runs.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    // Migrations and the demo seed on the embedded PGlite can take longer than avvio's default
    // 10 s per plugin on a busy two-core machine; a slow start must not be a failed start.
    pluginTimeout: 120_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  // Every route must say who may call it (see access.ts).
  app.addHook('onRoute', (route) => {
    if (route.config?.access === undefined && !String(route.url).startsWith('/api/docs')) {
      throw new Error(`route ${String(route.method)} ${route.url} has no config.access`);
    }
  });

  await app.register(errorsPlugin);
  await app.register(validationPlugin);
  await app.register(securityPlugin, { config, limits });
  await app.register(secretsPlugin, { config });
  await app.register(dbPlugin, { config, ...(opts.db ? { handle: opts.db } : {}) });
  await app.register(verifyHotPlugin, { config });
  // The plugin's own in-memory stores, each route's findable (the verification's fast lane counts in it).
  const limiters = rateLimitStores();
  app.decorate('rateLimiters', limiters);
  await app.register(rateLimit, { global: false, store: limiters.Store });
  await app.register(authPlugin, { config });
  await app.register(openapiPlugin, { config });
  await app.register(idempotencyPlugin, opts.idempotency ?? {});
  // Serial enumeration against the verification (L02): counted from its answers, alerts async.
  await app.register(enumerationPlugin, {
    config,
    ...(opts.enumeration ? { enumeration: opts.enumeration } : {}),
  });
  // Code-signing keys (issue 4): the first start creates one.
  await app.register(keysPlugin);

  // Route modules, one per resource. Add new modules at the end of this list.
  await app.register(health);
  await app.register(auth);
  await app.register(reports);
  await app.register(adminUnits);
  await app.register(producers);
  await app.register(products);
  await app.register(certificates);
  await app.register(zones);
  await app.register(batches);
  await app.register(users);
  await app.register(audit);
  // Interoperability (issue 10): the resolver claims the code URLs before the site's catch-all.
  await app.register(resolver, { config });
  await app.register(epcis, { config });
  // Data-subject requests of reporters (issue 8, Law 91/2025/QH15).
  await app.register(privacy);
  // Signed codes (issue 4): keys, issuance, verification, offline snapshot.
  await app.register(jwks);
  await app.register(keys);
  await app.register(codes, { config });
  await app.register(verify, { config });
  await app.register(snapshot, { config });
  // The certificate as a verifiable credential (issue 10), signed with the code-signing key.
  await app.register(credentials, { config });

  // Consoles (issue 7): inspectors' findings, the office's cases, analytics and dashboard.
  await app.register(findings);
  await app.register(cases);
  await app.register(analytics);
  await app.register(dashboard);

  // Print-ready labels of a batch's codes (issue 5).
  await app.register(labels, { config, jobs: opts.labelJobs ?? {} });

  // For the office (issue 8): security alerts (issuance quota, enumeration), audit checkpoints.
  await app.register(security, { config });

  // The public site, last: its catch-all hands every path no route above claims to Astro.
  if (config.serveSite && siteBuilt()) await app.register(sitePlugin, { config });

  return app;
}
