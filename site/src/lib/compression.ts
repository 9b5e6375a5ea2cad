/**
 * Compression of the pages Astro renders. Shoppers open the verification page from a QR code on
 * a phone, often on a slow mobile link: its HTML is about 15 KB as rendered and about 4 KB gzipped,
 * so the verdict arrives in a third of the time. Files under /_astro are compressed at build time
 * (api/src/plugins/site.ts serves their .br/.gz twins); this is the same for what is rendered.
 *
 * gzip through the web-standard `CompressionStream` (Node's zlib underneath): every browser
 * accepts it, and brotli would save only about half a kilobyte more on a page this size.
 */

/** Media types worth compressing (text, and the JSON and XML that pages or endpoints may answer). */
const COMPRESSIBLE =
  /^(?:text\/|application\/(?:[a-z.+-]*\+)?(?:json|xml)\b|application\/javascript\b|image\/svg\+xml\b)/i;

/**
 * True when the client's `Accept-Encoding` takes gzip (RFC 9110 §12.5.3): `gzip` or `x-gzip`, or
 * `*` when gzip is not named, with a q-value above 0.
 */
export function acceptsGzip(header: string | null | undefined): boolean {
  if (!header) return false;
  let star: boolean | null = null;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    const accepted = Number.isFinite(weight) && weight > 0;
    if (name === 'gzip' || name === 'x-gzip') return accepted;
    if (name === '*') star = accepted;
  }
  return star === true;
}

/** Adds `Accept-Encoding` to a `Vary` header's list unless it is there (or `*`). */
function varyOn(headers: Headers): void {
  const vary = headers.get('vary');
  if (vary === null || vary.trim() === '') {
    headers.set('vary', 'Accept-Encoding');
    return;
  }
  const names = vary.split(',').map((s) => s.trim().toLowerCase());
  if (!names.includes('accept-encoding') && !names.includes('*'))
    headers.set('vary', `${vary}, Accept-Encoding`);
}

/**
 * The response as it should go to this client: gzipped when the client takes gzip and the body is
 * text of some kind; unchanged when there is nothing to compress (no body, HEAD, 204, 206, 304, an
 * encoding already chosen, a binary type, an event stream). Either way a compressible answer says
 * `Vary: Accept-Encoding`, so a cache never hands the gzipped page to a client that cannot read it.
 */
export function compressResponse(request: Request, response: Response): Response {
  const { status } = response;
  if (
    response.body === null ||
    request.method === 'HEAD' ||
    status === 204 ||
    status === 206 ||
    status === 304 ||
    response.headers.has('content-encoding') ||
    !COMPRESSIBLE.test(response.headers.get('content-type') ?? '') ||
    // An event stream must reach the client event by event; gzip would hold events back.
    /^text\/event-stream\b/i.test(response.headers.get('content-type') ?? '')
  ) {
    return response;
  }
  const headers = new Headers(response.headers);
  varyOn(headers);
  if (!acceptsGzip(request.headers.get('accept-encoding'))) {
    return new Response(response.body, { status, statusText: response.statusText, headers });
  }
  headers.set('content-encoding', 'gzip');
  headers.delete('content-length');
  return new Response(response.body.pipeThrough(new CompressionStream('gzip')), {
    status,
    statusText: response.statusText,
    headers,
  });
}
