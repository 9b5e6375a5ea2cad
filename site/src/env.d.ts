/// <reference types="astro/client" />

/** What api/src/plugins/site.ts passes to every page as `Astro.locals` (absent in `astro dev`). */
declare namespace App {
  interface Locals {
    fastify?: import('./lib/api.ts').Injector;
    clientIp?: string;
    publicBaseUrl?: string;
    requestId?: string;
  }
}

interface ImportMetaEnv {
  readonly OCOP_API_ORIGIN?: string;
  readonly PUBLIC_BASE_URL?: string;
}
