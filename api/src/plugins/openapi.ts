import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from '../config.ts';
import { Problem } from '../routes/common-schemas.ts';

/**
 * The OpenAPI 3 document at /api/openapi.json, built from the route schemas (complete by
 * construction: every route has tags, an operationId and a response per status), and its UI.
 */
export const openapiPlugin = fp(
  async (app: FastifyInstance, opts: { config: Readonly<Config> }) => {
    app.addSchema(Problem);
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'OCOP Trace API',
          version: '1.0.0',
          description:
            'Registry and signed-QR verification for OCOP-certified products (Chương trình Mỗi xã một sản phẩm). ' +
            'Sign in with POST /api/v1/auth/token, then "Authorize" with the bearer token.',
        },
        servers: [{ url: opts.config.publicBaseUrl }],
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) =>
          typeof json.$id === 'string' ? json.$id : `def-${i}`,
      },
    });
    await app.register(swaggerUi, { routePrefix: '/api/docs' });
    app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
      app.swagger(),
    );
  },
  { name: 'openapi' },
);
