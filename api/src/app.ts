import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DbHandle } from '@ocop/db';
import type { Config } from './config.ts';
import './access.ts';
import { dbPlugin } from './plugins/db.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { validationPlugin } from './plugins/validation.ts';
import { secretsPlugin } from './plugins/secrets.ts';
import { authPlugin } from './plugins/auth.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import rateLimit from '@fastify/rate-limit';
import health from './routes/health/index.ts';
import auth from './routes/auth/index.ts';
import { sitePlugin, siteBuilt } from './plugins/site.ts';

export interface BuildOptions {
  /** Use an already open database (tests share one handle per file). */
  db?: DbHandle;
  logger?: FastifyServerOptions['logger'];
}

/**
 * Build the whole API as a Fastify instance. Never listens: `server.ts` does, tests `inject`.
 * Plugins load in a fixed order: errors and validation, database, then routes.
 */
export async function buildApp(config: Readonly<Config>, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      opts.logger ??
      (config.logLevel === 'silent'
        ? false
        : { level: config.logLevel, redact: ['req.headers.authorization'] }),
    bodyLimit: 256 * 1024,
    // Only trust X-Forwarded-For from configured reverse proxies (reliability: rate limits by client).
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Every route must say who may call it (see access.ts).
  app.addHook('onRoute', (route) => {
    if (route.config?.access === undefined && !String(route.url).startsWith('/api/docs')) {
      throw new Error(`route ${String(route.method)} ${route.url} has no config.access`);
    }
  });

  await app.register(errorsPlugin);
  await app.register(validationPlugin);
  await app.register(secretsPlugin, { config });
  await app.register(dbPlugin, { config, ...(opts.db ? { handle: opts.db } : {}) });
  await app.register(rateLimit, { global: false });
  await app.register(authPlugin, { config });
  await app.register(openapiPlugin, { config });

  // Route modules, one per resource. Add new modules at the end of this list.
  await app.register(health);
  await app.register(auth);

  // The public site, last: its catch-all hands every path no route above claims to Astro.
  if (config.serveSite && siteBuilt()) await app.register(sitePlugin, { config });

  return app;
}
