import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { acceptsGzip, compressResponse } from '../site/src/lib/compression.ts';

/**
 * The compression of rendered pages (site/src/lib/compression.ts, run by site/src/middleware.ts
 * on every page): which clients get gzip, and which answers are left alone. test/e2e/pages.test.ts
 * checks the verification page over HTTP.
 */
describe('acceptsGzip', () => {
  it.each([
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
    ['x-gzip', true],
    ['GZIP', true],
    ['*', true],
    ['br, *;q=0.5', true],
    ['identity', false],
    ['br', false],
    ['gzip;q=0', false],
    ['gzip;q=0.000', false],
    ['*;q=0.5, gzip;q=0', false],
    ['gzip;q=abc', false],
    ['*;q=0', false],
    ['', false],
  ])('%j → %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('without the header: no', () => {
    expect(acceptsGzip(null)).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});

const html = `<!doctype html><html lang="vi"><body>${'<p>Chính hãng — Genuine</p>'.repeat(400)}</body></html>`;

function page(init: ResponseInit = {}, body: string | null = html): Response {
  return new Response(body, {
    status: 200,
    ...init,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...init.headers },
  });
}

const request = (headers: Record<string, string> = {}, method = 'GET') =>
  new Request('https://ocop.example.vn/01/08930000000000/10/L1', { method, headers });

describe('compressResponse', () => {
  it('gzips a page for a client that takes gzip, keeps its status and headers, and says Vary', async () => {
    const res = compressResponse(
      request({ 'accept-encoding': 'gzip, deflate, br' }),
      page({ status: 404, statusText: 'Not Found', headers: { 'set-cookie': 'a=1; Path=/' } }),
    );
    expect(res.status).toBe(404);
    expect(res.statusText).toBe('Not Found');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('set-cookie')).toBe('a=1; Path=/');
    expect(res.headers.has('content-length')).toBe(false);
    const wire = Buffer.from(await res.arrayBuffer());
    expect(wire.length).toBeLessThan(Buffer.byteLength(html) / 10);
    expect(gunzipSync(wire).toString('utf8')).toBe(html);
  });

  it('sends a page as it is to a client that does not take gzip, still with Vary', async () => {
    const clients: Record<string, string>[] = [
      {},
      { 'accept-encoding': 'br' },
      { 'accept-encoding': 'gzip;q=0' },
    ];
    for (const headers of clients) {
      const res = compressResponse(request(headers), page());
      expect(res.headers.has('content-encoding')).toBe(false);
      expect(res.headers.get('vary')).toBe('Accept-Encoding');
      expect(await res.text()).toBe(html);
    }
  });

  it('adds Accept-Encoding to an existing Vary once, and leaves Vary: * alone', () => {
    const gz = request({ 'accept-encoding': 'gzip' });
    expect(compressResponse(gz, page({ headers: { vary: 'Accept-Language' } })).headers.get('vary')).toBe(
      'Accept-Language, Accept-Encoding',
    );
    expect(compressResponse(gz, page({ headers: { vary: 'accept-encoding' } })).headers.get('vary')).toBe(
      'accept-encoding',
    );
    expect(compressResponse(gz, page({ headers: { vary: '*' } })).headers.get('vary')).toBe('*');
  });

  it('leaves alone what has nothing to compress or is compressed already', () => {
    const gz = request({ 'accept-encoding': 'gzip' });
    const untouched: [string, Request, Response][] = [
      ['a redirect without a body', gz, new Response(null, { status: 303, headers: { location: '/' } })],
      ['HEAD', request({ 'accept-encoding': 'gzip' }, 'HEAD'), page()],
      ['204', gz, page({ status: 204 }, null)],
      ['304', gz, page({ status: 304 }, null)],
      ['an image', gz, page({ headers: { 'content-type': 'image/png' } })],
      ['a PDF', gz, page({ headers: { 'content-type': 'application/pdf' } })],
      ['already encoded', gz, page({ headers: { 'content-encoding': 'br' } })],
      ['an event stream', gz, page({ headers: { 'content-type': 'text/event-stream' } })],
      ['no content type', gz, new Response('x')],
    ];
    for (const [what, req, res] of untouched) {
      if (what === 'no content type') res.headers.delete('content-type');
      expect(compressResponse(req, res), what).toBe(res);
    }
  });

  it('compresses JSON, XML and SVG answers as well as text', () => {
    const gz = request({ 'accept-encoding': 'gzip' });
    for (const type of [
      'application/json',
      'application/problem+json',
      'application/linkset+json',
      'application/xml',
      'image/svg+xml',
      'text/csv; charset=utf-8',
    ]) {
      expect(
        compressResponse(gz, page({ headers: { 'content-type': type } })).headers.get('content-encoding'),
        type,
      ).toBe('gzip');
    }
  });
});
