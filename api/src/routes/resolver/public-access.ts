import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Cross-origin access to the public interoperability documents (resolver answers, linksets,
 * EPCIS documents, certificate credentials, the resolver description): any site may read them,
 * with no credentials (`Access-Control-Allow-Origin: *` forbids cookies and auth by construction).
 * Applied per route module, never globally: the private API keeps no CORS at all.
 *
 * Hand-written rather than @fastify/cors: that plugin registers an `OPTIONS *` route without
 * `config.access`, which app.ts refuses, and it would answer preflights for every path.
 * @see GS1-Conformant Resolver: "SHALL support CORS", "SHALL support GET, HEAD and OPTIONS"
 * @see Fetch standard, CORS protocol
 */
export const PUBLIC_METHODS = 'GET, HEAD, OPTIONS';
const EXPOSED = 'Link, Location, Content-Language, Content-Type, Vary';
const ALLOWED_REQUEST_HEADERS = 'Accept, Accept-Language';

/**
 * Route config of a public interoperability document: public, and readable from other origins
 * (helmet's default Cross-Origin-Resource-Policy `same-origin` would block no-cors embeds).
 */
export const publicDocumentConfig = {
  access: 'public' as const,
  helmet: { crossOriginResourcePolicy: { policy: 'cross-origin' as const } },
};

/** The CORS headers of a public answer, on the reply (or, for a hijacked reply, the raw one). */
export function setPublicCorsHeaders(reply: FastifyReply, raw = false): void {
  const headers: Record<string, string> = {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': EXPOSED,
    // GS1's resolver test suite reads the methods from an ordinary GET response too.
    'access-control-allow-methods': PUBLIC_METHODS,
  };
  for (const [k, v] of Object.entries(headers)) {
    if (raw) reply.raw.setHeader(k, v);
    else reply.header(k, v);
  }
}

/**
 * Adds CORS to every route of `scope` (an encapsulated route module) and answers OPTIONS on the
 * given paths: a preflight or a plain OPTIONS gets 204 with the allowed methods.
 */
export function publicCors(scope: FastifyInstance, optionsPaths: readonly string[]): void {
  scope.addHook('onRequest', async (request, reply) => {
    // Only reads are shared; a POST in the same module (an import) stays same-origin.
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') {
      setPublicCorsHeaders(reply);
    }
  });
  for (const url of optionsPaths) {
    scope.options(url, { config: publicDocumentConfig, schema: { hide: true } }, async (_request, reply) => {
      return reply
        .code(204)
        .header('allow', PUBLIC_METHODS)
        .header('access-control-allow-headers', ALLOWED_REQUEST_HEADERS)
        .header('access-control-max-age', '86400')
        .send();
    });
  }
}
