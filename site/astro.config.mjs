// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import preact from '@astrojs/preact';

/**
 * The public site. `output: 'server'` + the Node adapter in middleware mode: the Fastify app
 * (api/src/plugins/site.ts) serves dist/client and hands page requests to dist/server/entry.mjs,
 * so the site and the API share one origin.
 *
 * No inline scripts or styles anywhere (strict CSP): stylesheets are always external and Vite never
 * inlines a script or asset; pages use plain <script> modules, never hydrated islands (whose
 * bootstrap is an inline script).
 */
export default defineConfig({
  output: 'server',
  adapter: node({ mode: 'middleware' }),
  integrations: [preact()],
  build: { inlineStylesheets: 'never', assets: '_astro' },
  compressHTML: true,
  devToolbar: { enabled: false },
  prefetch: false,
  // Same-origin form posts are checked by the Fastify site plugin (Astro would compare with the
  // internal http URL behind a TLS proxy).
  security: { checkOrigin: false },
  vite: {
    build: { assetsInlineLimit: 0 },
    worker: { format: 'es' },
    server: {
      // Development: `npm run dev -w site` next to `npm run dev` (API on :3000).
      proxy: {
        '/api': 'http://127.0.0.1:3000',
        '/.well-known': 'http://127.0.0.1:3000',
      },
    },
  },
});
