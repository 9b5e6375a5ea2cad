/// <reference types="astro/client" />

/** What api/src/plugins/site.ts passes to every page as `Astro.locals` (absent in `astro dev`). */
declare namespace App {
  interface Locals {
    // A global declaration file: an import statement would make it a module and end the merge.
    // eslint-disable-next-line @typescript-eslint/consistent-type-imports
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
