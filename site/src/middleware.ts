import { defineMiddleware } from 'astro:middleware';
import { compressResponse } from './lib/compression.ts';

/** Every page Astro renders leaves compressed for a client that takes gzip (lib/compression.ts). */
export const onRequest = defineMiddleware(async (context, next) =>
  compressResponse(context.request, await next()),
);
