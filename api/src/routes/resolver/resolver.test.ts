import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, toGtin14 } from '@ocop/domain';
import { siteBuilt } from '../../plugins/site.ts';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import {
  makeBatch,
  makeCertificate,
  makeProduct,
  makeZone,
  today,
} from '../../../../test/helpers/factories.ts';

/**
 * The resolver against the conformance statements of a GS1-Conformant Resolver
 * (standards.md §1.7; GS1DL-resolver-testsuite ConformantResolver1_0.txt), statement by statement.
 */

const ORIGIN = 'https://ocop.test';
const GS1 = 'https://ref.gs1.org/voc/';
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

let t: TestApp;
let gtin: string;
let lot: string;
let batchId: string;
let certId: string;
let lotPath: string;
let itemPath: string;
let unitUrl: string;
let plainRef: string;
let plainLot: string;

/** A valid GTIN-14 under the GS1 Vietnam prefix, different on every call. */
function newGtin(): string {
  const body = `893${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
  for (let d = 0; d <= 9; d++) {
    try {
      return toGtin14(`${body}${d}`);
    } catch {
      // wrong check digit: try the next one
    }
  }
  throw new Error('unreachable');
}

beforeAll(async () => {
  t = await buildTestApp();
  gtin = newGtin();
  const product = await makeProduct(t.app.db, { gtin, name_vi: 'Nước mắm Sa Huỳnh' });
  const cert = await makeCertificate(t.app.db, product.id, { stars: 4 });
  certId = cert.id;
  const zone = await makeZone(t.app.db);
  const batch = await makeBatch(t.app.db, product.id, { produced_on: addDays(today(), -5) });
  await t.app.db
    .insertInto('batch_zones')
    .values({ batch_id: batch.id, zone_id: zone.id, quantity: 80, unit: 'kg' })
    .execute();
  batchId = batch.id;
  lot = batch.lot;
  lotPath = `/01/${gtin}/10/${lot}`;
  // A unit code issued the ordinary way, by the batch's producer.
  const producer = await createUser(t.app, 'producer', { producerId: product.producer_id });
  const issued = await t.app.inject({
    method: 'POST',
    url: `/api/v1/batches/${batchId}/codes`,
    headers: { authorization: producer.authorization },
    payload: { serials: 1 },
  });
  expect(issued.statusCode).toBe(201);
  unitUrl = issued.json<{ units: { urls: string[] } }>().units.urls[0]!;
  itemPath = new URL(unitUrl).pathname;
  // A product without a GTIN and without any certificate.
  const plain = await makeProduct(t.app.db);
  plainRef = plain.public_ref;
  plainLot = (await makeBatch(t.app.db, plain.id)).lot;
});
afterAll(async () => t?.close());

function linkset(res: { json(): unknown }) {
  return (res.json() as { linkset: Record<string, unknown>[] }).linkset;
}

describe('SHALL extract and syntactically validate the URI and report errors with 400 (never 200)', () => {
  it.each([
    ['a wrong GTIN check digit', '/01/08935049500019/10/A'],
    ['letters in the GTIN', '/01/0893504950001X/10/A'],
    ['a GTIN of the wrong length', '/01/89350495000/10/A'],
    ['a segment after the last pair', '/01/08935049500018/10/A/foo'],
    ['an unknown key qualifier', '/01/08935049500018/99/A'],
    ['qualifiers out of order', '/01/08935049500018/21/S/10/A'],
    ['a lot over 20 characters', `/01/08935049500018/10/${'A'.repeat(21)}`],
    ['a malformed data attribute', '/01/08935049500018/10/A?17=991399'],
  ])('%s', async (_name, url) => {
    for (const accept of [BROWSER, 'application/linkset+json']) {
      const res = await t.app.inject({ url, headers: { accept } });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 400, code: 'invalid_digital_link' });
      expect(res.headers['access-control-allow-origin']).toBe('*');
    }
  });

  it('a check digit off by one is refused, the right one accepted', async () => {
    const wrong = `${gtin.slice(0, 13)}${(Number(gtin.slice(13)) + 1) % 10}`;
    expect((await t.app.inject({ url: `/01/${wrong}/10/${lot}?linkType=linkset` })).statusCode).toBe(400);
    expect((await t.app.inject({ url: `${lotPath}?linkType=linkset` })).statusCode).toBe(200);
  });
});

describe('default: the verification page (browsers)', () => {
  it('answers a browser with the page itself, exposing the linkset in a Link header', async () => {
    const res = await t.app.inject({ url: `${itemPath}?k=abcdefgh&s=x`, headers: { accept: BROWSER } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers.link).toContain(
      `<${ORIGIN}${itemPath}?linkType=linkset>; rel="linkset"; type="application/linkset+json"`,
    );
    expect(res.headers.link).toMatch(/title="[^"]+"/);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers.vary).toContain('Accept');
  });

  it('never answers 404 at a code URL, even for an identifier it does not know (the page says so)', async () => {
    const res = await t.app.inject({ url: `/01/${newGtin()}/10/NOPE`, headers: { accept: BROWSER } });
    expect(res.statusCode).toBe(200);
  });

  it('SHOULD tolerate a trailing slash: the same answer with or without', async () => {
    for (const query of ['', '?linkType=gs1:traceability', '?linkType=linkset']) {
      const a = await t.app.inject({ url: `${lotPath}${query}` });
      const b = await t.app.inject({ url: `${lotPath}/${query}` });
      expect(b.statusCode).toBe(a.statusCode);
      expect(b.headers.location).toBe(a.headers.location);
      if (query === '?linkType=linkset') expect(b.json()).toEqual(a.json());
    }
  });
});

describe('linksets (RFC 9264)', () => {
  it('SHALL answer linkType=linkset with the links of every level up to the primary key', async () => {
    const res = await t.app.inject({ url: `${itemPath}?linkType=linkset` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/linkset\+json/);
    const sets = linkset(res);
    expect(sets.map((s) => s.anchor)).toEqual([
      `${ORIGIN}${itemPath}`,
      `${ORIGIN}${lotPath}`,
      `${ORIGIN}/01/${gtin}`,
    ]);
    const [item, lotLevel, product] = sets;
    expect(Object.keys(lotLevel!)).toEqual(
      expect.arrayContaining([
        `${GS1}pip`,
        `${GS1}certificationInfo`,
        `${GS1}traceability`,
        `${GS1}verificationService`,
        `${GS1}recallStatus`,
        `${GS1}defaultLink`,
      ]),
    );
    expect(item![`${GS1}pip`]).toBeDefined();
    expect(product!.itemDescription).toBe('Nước mắm Sa Huỳnh');
    // The targets themselves.
    const first = (key: string) => (lotLevel![`${GS1}${key}`] as Record<string, unknown>[])[0]!;
    expect(first('certificationInfo')).toMatchObject({
      href: `${ORIGIN}/api/v1/certificates/${certId}/credential`,
      type: 'application/vc+jwt',
    });
    expect(first('traceability')).toMatchObject({
      href: `${ORIGIN}/api/v1/batches/${batchId}/epcis`,
      type: 'application/ld+json',
    });
    expect(first('recallStatus')).toMatchObject({
      href: `${ORIGIN}/api/v1/batches/${batchId}/recall-status`,
      hreflang: ['vi', 'en'],
    });
    expect(first('pip')).toMatchObject({ href: `${ORIGIN}${lotPath}`, type: 'text/html' });
  });

  it('a serial that was never issued gets the links of its lot, not a unit level', async () => {
    const sets = linkset(await t.app.inject({ url: `${lotPath}/21/MadeUp123456?linkType=linkset` }));
    expect(sets.map((s) => s.anchor)).toEqual([`${ORIGIN}${lotPath}`, `${ORIGIN}/01/${gtin}`]);
  });

  it('the printed unit URL itself (with k and s) resolves, and gs1:pip passes its signature on', async () => {
    const u = new URL(unitUrl);
    const res = await t.app.inject({ url: `${u.pathname}${u.search}&linkType=gs1:pip` });
    expect(res.statusCode).toBe(307);
    expect(res.headers.location).toBe(unitUrl);
  });

  it('every link SHALL have a target, a link type and a title, and SHOULD have its languages; titles in vi and en', async () => {
    const sets = linkset(await t.app.inject({ url: `${itemPath}?linkType=linkset` }));
    let links = 0;
    for (const set of sets) {
      for (const [rel, targets] of Object.entries(set)) {
        if (rel === 'anchor' || rel === 'itemDescription') continue;
        expect(rel.startsWith(GS1)).toBe(true);
        for (const target of targets as Record<string, unknown>[]) {
          links += 1;
          expect(target.href).toMatch(/^https:\/\//);
          expect(typeof target.title).toBe('string');
          if (rel === `${GS1}defaultLink`) {
            // The default link SHALL NOT have optional attributes.
            expect(Object.keys(target).sort()).toEqual(['href', 'title']);
            continue;
          }
          expect(target.hreflang).toEqual(expect.arrayContaining([expect.stringMatching(/^(vi|en)$/)]));
          expect(target['title*']).toEqual([
            { value: expect.any(String), language: 'vi' },
            { value: expect.any(String), language: 'en' },
          ]);
          // Media types are IANA-registered ones.
          expect([
            'text/html',
            'application/json',
            'application/ld+json',
            'application/vc+jwt',
            'application/vnd.oai.openapi+json',
          ]).toContain(target.type);
        }
      }
    }
    expect(links).toBeGreaterThanOrEqual(12);
  });

  it('titles follow Accept-Language: Vietnamese by default, English when asked', async () => {
    const vi = linkset(await t.app.inject({ url: `${lotPath}?linkType=linkset` }));
    const en = linkset(
      await t.app.inject({
        url: `${lotPath}?linkType=linkset`,
        headers: { 'accept-language': 'en-US,en;q=0.9' },
      }),
    );
    const title = (sets: Record<string, unknown>[]) =>
      (sets[0]![`${GS1}recallStatus`] as { title: string }[])[0]!.title;
    expect(title(vi)).toBe('Tình trạng thu hồi của lô hàng');
    expect(title(en)).toBe('Recall status of this batch');
  });

  it('SHALL answer Accept: application/linkset+json the same way, without linkType', async () => {
    const byAccept = await t.app.inject({ url: lotPath, headers: { accept: 'application/linkset+json' } });
    const byParam = await t.app.inject({ url: `${lotPath}?linkType=linkset` });
    expect(byAccept.statusCode).toBe(200);
    expect(byAccept.headers['content-type']).toMatch(/^application\/linkset\+json/);
    expect(byAccept.json()).toEqual(byParam.json());
  });

  it('accepts linkType=all (Digital Link 1.2) and serves JSON-LD with the GS1 context when asked', async () => {
    const all = await t.app.inject({
      url: `${lotPath}?linkType=all`,
      headers: { accept: 'application/json' },
    });
    expect(all.statusCode).toBe(200);
    expect(all.headers['content-type']).toMatch(/^application\/json/);
    const ld = await t.app.inject({ url: lotPath, headers: { accept: 'application/ld+json' } });
    expect(ld.headers['content-type']).toMatch(/^application\/ld\+json/);
    expect(ld.json()['@context']).toBe('https://ref.gs1.org/standards/resolver/linkset-context');
  });

  it('SHOULD send a Link header to the JSON-LD context', async () => {
    const res = await t.app.inject({ url: `${lotPath}?linkType=linkset` });
    expect(res.headers.link).toBe(
      '<https://ref.gs1.org/standards/resolver/linkset-context>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"',
    );
  });

  it('an unknown lot falls back to the product level; an unknown product has no links (404)', async () => {
    const sets = linkset(await t.app.inject({ url: `/01/${gtin}/10/UNKNOWN?linkType=linkset` }));
    expect(sets.map((s) => s.anchor)).toEqual([`${ORIGIN}/01/${gtin}`]);
    expect(sets[0]![`${GS1}certificationInfo`]).toBeDefined();
    const unknown = await t.app.inject({ url: `/01/${newGtin()}/10/X?linkType=linkset` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('linkType redirects', () => {
  it.each([
    ['gs1:certificationInfo', () => `${ORIGIN}/api/v1/certificates/${certId}/credential`],
    ['gs1:traceability', () => `${ORIGIN}/api/v1/batches/${batchId}/epcis`],
    ['gs1:recallStatus', () => `${ORIGIN}/api/v1/batches/${batchId}/recall-status`],
    ['https://gs1.org/voc/pip', () => `${ORIGIN}${lotPath}`],
    ['gs1:defaultLink', () => `${ORIGIN}${lotPath}`],
    ['gs1:verificationService', () => `${ORIGIN}${lotPath}`],
  ])('SHALL redirect (307) to the requested %s and pass the query string on', async (linkType, target) => {
    const res = await t.app.inject({
      url: `${lotPath}?k=ABCDEFGH&linkType=${encodeURIComponent(linkType)}&s=sig&foo=bar`,
    });
    expect(res.statusCode).toBe(307);
    expect(res.headers.location).toBe(`${target()}?k=ABCDEFGH&s=sig&foo=bar`);
    // SHOULD expose the linkset in a Link header, even when redirecting.
    expect(res.headers.link).toContain('rel="linkset"');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('picks the machine-readable verification service when the client prefers JSON', async () => {
    const res = await t.app.inject({
      url: `${lotPath}?linkType=gs1:verificationService`,
      headers: { accept: 'application/vnd.oai.openapi+json' },
    });
    expect(res.headers.location).toBe(`${ORIGIN}/api/openapi.json`);
  });

  it('SHALL answer 404 when no link of the requested type exists', async () => {
    for (const url of [
      `${lotPath}?linkType=gs1:nutritionalInfo`,
      `/01/${gtin}/10/UNKNOWN?linkType=gs1:traceability`,
      `/p/${plainRef}/10/${plainLot}?linkType=gs1:certificationInfo`,
    ]) {
      const res = await t.app.inject({ url });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: expect.stringMatching(/link_type_not_found|not_found/) });
    }
  });

  it('a product without a GTIN resolves the same way under /p/', async () => {
    const res = await t.app.inject({ url: `/p/${plainRef}/10/${plainLot}?linkType=gs1:traceability` });
    expect(res.statusCode).toBe(307);
    expect(res.headers.location).toMatch(/\/api\/v1\/batches\/[0-9a-f-]{36}\/epcis$/);
  });
});

describe('transport', () => {
  it('SHALL support HEAD and OPTIONS, and CORS', async () => {
    const head = await t.app.inject({ method: 'HEAD', url: `${lotPath}?linkType=gs1:traceability` });
    expect(head.statusCode).toBe(307);
    expect(head.headers.location).toBe(`${ORIGIN}/api/v1/batches/${batchId}/epcis`);
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: lotPath,
      headers: { origin: 'https://scanner.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS');
    const plainOptions = await t.app.inject({ method: 'OPTIONS', url: itemPath });
    expect(plainOptions.statusCode).toBe(204);
    expect(plainOptions.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('keeps CORS off the private API', async () => {
    const me = await t.app.inject({ url: '/api/v1/me', headers: { origin: 'https://scanner.example' } });
    expect(me.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/batches',
      headers: { origin: 'https://scanner.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('/.well-known/gs1resolver', () => {
  it('SHALL describe the resolver: root, supported primary keys, link-type namespace, JSON-LD context', async () => {
    const res = await t.app.inject({
      url: '/.well-known/gs1resolver',
      headers: { accept: 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.json()).toMatchObject({
      resolverRoot: ORIGIN,
      supportedPrimaryKeys: ['01'],
      supportedLinkType: [{ namespace: GS1, prefix: 'gs1:' }],
      jsonLdContextLocation: 'https://ref.gs1.org/standards/resolver/linkset-context',
    });
  });
});

describe('recall status', () => {
  it('says whether the batch is recalled, now', async () => {
    const active = await t.app.inject({ url: `/api/v1/batches/${batchId}/recall-status` });
    expect(active.statusCode).toBe(200);
    expect(active.json()).toMatchObject({
      batchId,
      lot,
      recalled: false,
      status: 'active',
      recalledAt: null,
    });
    const product = await makeProduct(t.app.db);
    const recalled = await makeBatch(t.app.db, product.id, {
      status: 'recalled',
      recall_reason: 'Nhãn in sai hạn dùng',
      recalled_at: new Date(),
    });
    const res = await t.app.inject({ url: `/api/v1/batches/${recalled.id}/recall-status` });
    expect(res.json()).toMatchObject({ recalled: true, status: 'recalled', reason: 'Nhãn in sai hạn dùng' });
    expect(res.json().message.vi).toMatch(/đã bị thu hồi/);
    expect(
      (await t.app.inject({ url: `/api/v1/batches/${crypto.randomUUID()}/recall-status` })).statusCode,
    ).toBe(404);
  });
});

describe.skipIf(!siteBuilt())('with the built site', () => {
  let site: TestApp;
  beforeAll(async () => {
    site = await buildTestApp({ serveSite: true });
  });
  afterAll(async () => site?.close());

  it('a browser gets the verification page with the site CSP, the linkset Link and CORS', async (ctx) => {
    // The site may be mid-rebuild on a developer machine: then this app has no site plugin.
    if (!site.app.hasDecorator('renderSite')) ctx.skip();
    const res = await site.app.inject({
      url: `/01/${gtin}/10/${lot}?k=ABCDEFGH&s=x`,
      headers: { accept: BROWSER },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(res.headers.link).toContain('rel="linkset"');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('a malformed code shows the page to a browser, with status 400; machines get problem+json', async (ctx) => {
    if (!site.app.hasDecorator('renderSite')) ctx.skip();
    const url = `/01/${gtin.slice(0, 13)}${(Number(gtin.slice(13)) + 1) % 10}/10/${lot}?k=ABCDEFGH&s=x`;
    const browser = await site.app.inject({ url, headers: { accept: BROWSER } });
    expect(browser.statusCode).toBe(400);
    expect(browser.headers['content-type']).toMatch(/^text\/html/);
    const machine = await site.app.inject({ url, headers: { accept: 'application/linkset+json' } });
    expect(machine.statusCode).toBe(400);
    expect(machine.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('machines still get linksets and redirects', async () => {
    const g = newGtin();
    const product = await makeProduct(site.app.db, { gtin: g });
    const batch = await makeBatch(site.app.db, product.id);
    const path = `/01/${g}/10/${batch.lot}`;
    const res = await site.app.inject({ url: `${path}?linkType=gs1:traceability` });
    expect(res.statusCode).toBe(307);
    const ls = await site.app.inject({ url: path, headers: { accept: 'application/linkset+json' } });
    expect(ls.statusCode).toBe(200);
    expect(ls.headers['content-type']).toMatch(/^application\/linkset\+json/);
  });
});
