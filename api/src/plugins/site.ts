import { existsSync, readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { helmetHeaders } from './security.ts';

/** The built Astro site (`npm run build -w site`): dist/client (files) and dist/server (SSR). */
export const SITE_DIST = fileURLToPath(new URL('../../../site/dist/', import.meta.url));

/** What every page receives as `Astro.locals` (site/src/env.d.ts declares the same shape). */
export interface SiteLocals {
  /** The Fastify instance: pages call the API with `inject`, without a network hop. */
  fastify: FastifyInstance;
  /** The client's address as Fastify resolved it (trusted proxies only), for per-client rate limits. */
  clientIp: string;
  publicBaseUrl: string;
  requestId: string;
}

type AstroHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
  locals: object,
) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Render the site page for this request (hijacks the reply). For routes registered by other
     * modules on page paths, such as a resolver that answers linksets itself but hands browsers
     * the verification page.
     */
    renderSite(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
}

/** Paths that never reach the site: the API, well-known documents and Astro's build assets. */
const RESERVED = /^\/(?:api|\.well-known|_astro)(?:\/|$)/;

/** True when the built site is present (both the SSR entry and the client files). */
export function siteBuilt(dir: string = SITE_DIST): boolean {
  return existsSync(join(dir, 'server', 'entry.mjs')) && existsSync(join(dir, 'client'));
}

/**
 * Content-Security-Policy of every page: no inline script or style, nothing from another origin.
 * The site has no hydrated islands (their bootstrap is an inline script); its scripts are external
 * modules under /_astro, its styles external stylesheets (astro.config.mjs: inlineStylesheets never).
 * @see https://www.w3.org/TR/CSP3/
 */
export function siteCspDirectives(config: Readonly<Config>): Record<string, string[]> {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'base-uri': ["'none'"],
    'object-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'worker-src': ["'self'"],
    'manifest-src': ["'self'"],
    'media-src': ["'self'", 'blob:'],
  };
  // Only on an https origin: on plain http (localhost, a LAN demo) it would break every request.
  if (config.publicBaseUrl.startsWith('https:')) directives['upgrade-insecure-requests'] = [];
  return directives;
}

/** Every file under dir, as URL paths (`/_astro/x.js`), skipping precompressed twins. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !/\.(?:br|gz)$/.test(e.name))
        out.push('/' + relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

function cacheControl(served: string): string {
  // A precompressed twin (x.js.br) is served under the name of its original.
  const urlPath = served.replace(/\.(?:br|gz)$/, '');
  if (urlPath.startsWith('/_astro/')) return 'public, max-age=31536000, immutable';
  // The service worker must be re-checked on every visit, or an old one would live for a day.
  if (urlPath === '/sw.js') return 'no-cache';
  return 'public, max-age=3600';
}

/**
 * One origin for the API and the public site (toolchain.md, "one-origin recipe"), registered last:
 * - every file of site/dist/client gets its own GET/HEAD route (`@fastify/static` with no wildcard,
 *   `sendFile` only), so the files never shadow the API;
 * - a catch-all route hands every other non-API path to Astro's Node handler, with the Fastify
 *   instance in `locals` so pages call the API by `inject`; Fastify's own routes always win by
 *   construction, and /api, /.well-known and /_astro never reach Astro (unknown ones keep the
 *   problem+json 404);
 * - helmet gives the site a strict CSP and the usual security headers.
 */
export const sitePlugin = fp(
  async (app: FastifyInstance, opts: { config: Readonly<Config>; dir?: string }) => {
    const dir = opts.dir ?? SITE_DIST;
    const clientDir = join(dir, 'client');
    const entry = pathToFileURL(join(dir, 'server', 'entry.mjs')).href;
    const { handler } = (await import(entry)) as { handler: AstroHandler };
    const directives = siteCspDirectives(opts.config);
    const publicOrigin = new URL(opts.config.publicBaseUrl).origin;

    const helmetOptions: FastifyHelmetOptions = {
      global: true,
      contentSecurityPolicy: { useDefaults: false, directives },
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      // Allow the verification pages to be opened from other sites (Zalo, search results).
      crossOriginResourcePolicy: { policy: 'same-site' },
      strictTransportSecurity: opts.config.publicBaseUrl.startsWith('https:'),
    };

    // Every page gets the site's security headers and CSP, also the pages other routes render (the
    // resolver's code pages, in the API's scope, which would otherwise keep the API's: its
    // `default-src 'none'` breaks a page, and under its `no-referrer` a browser posts the page's
    // report form with `Origin: null`, which the same-origin check below refuses).
    const pageHeaders = await helmetHeaders(helmetOptions);

    const render = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const res = reply.raw;
      for (const [name, value] of pageHeaders) res.setHeader(name, value);
      res.setHeader('permissions-policy', 'camera=(self), geolocation=(), microphone=(), payment=()');
      reply.hijack();
      const locals: SiteLocals = {
        fastify: app,
        clientIp: request.ip,
        publicBaseUrl: opts.config.publicBaseUrl,
        requestId: String(request.id),
      };
      const raw = request.raw as IncomingMessage & { body?: unknown };
      // Fastify has read the body already; Astro's NodeApp takes a string body from req.body.
      if (typeof request.body === 'string') raw.body = request.body;
      const notFound = () => {
        // No page matches: Astro's own 404 page, with a 404 status, in the asked language (the
        // query keeps `?lang=en`).
        const query = raw.url?.indexOf('?') ?? -1;
        raw.url = '/404' + (query >= 0 ? (raw.url ?? '').slice(query) : '');
        void handler(
          raw,
          res,
          () => {
            res.statusCode = 404;
            res.setHeader('content-type', 'text/plain; charset=utf-8');
            res.end('404 Not Found');
          },
          locals,
        );
      };
      await handler(raw, res, notFound, locals);
    };
    app.decorate('renderSite', render);

    await app.register(async (site) => {
      await site.register(helmet, helmetOptions);
      await site.register(fastifyStatic, {
        root: clientDir,
        serve: false,
        wildcard: false,
        decorateReply: !site.hasReplyDecorator('sendFile'),
        preCompressed: true,
        cacheControl: false,
        setHeaders: (reply, path) => {
          const urlPath = '/' + relative(clientDir, path).split(sep).join('/');
          reply.header('cache-control', cacheControl(urlPath));
          if (urlPath === '/sw.js') reply.header('service-worker-allowed', '/');
        },
      });

      for (const file of listFiles(clientDir)) {
        site.get(file, { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) =>
          reply.sendFile(file.slice(1), clientDir),
        );
      }

      // Forms on pages post url-encoded bodies (the report form works without JavaScript).
      site.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: 16 * 1024 },
        (_request, body, done) => done(null, body),
      );

      site.route({
        method: ['GET', 'POST'],
        url: '/*',
        config: { access: 'public' },
        schema: { hide: true },
        handler: async (request, reply) => {
          const path = request.url.split('?')[0] ?? '/';
          if (RESERVED.test(path)) throw new AppError('not_found', `No route for ${request.method} ${path}.`);
          if (request.method === 'POST') {
            // Same-origin form posts only (CSRF); Astro's own origin check is off because behind a
            // TLS proxy it compares with the internal http URL.
            const origin = request.headers.origin;
            const own = `${request.protocol}://${request.host}`;
            if (origin !== undefined && origin !== publicOrigin && origin !== own) {
              throw new AppError('forbidden', 'Cross-site form posts are not accepted.');
            }
          }
          return render(request, reply);
        },
      });
    });
  },
  { name: 'site', dependencies: ['errors'] },
);
