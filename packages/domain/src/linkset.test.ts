import { describe, expect, it } from 'vitest';
import {
  LINK_TYPE,
  checkDataAttributes,
  chooseLink,
  isCodeShapedPath,
  linkHeader,
  linksOfType,
  parseLinkType,
  parseResolverPath,
  preferredLanguage,
  preferredMediaType,
  toLinksetJson,
  type LinkContext,
} from './linkset.ts';

// GTIN-13 8935049500018 (check digit 8) → GTIN-14 08935049500018.
const GTIN14 = '08935049500018';

describe('parseResolverPath', () => {
  it.each([
    [`/01/${GTIN14}/10/LOT-1/21/AbC123`, { gtin: GTIN14, lot: 'LOT-1', serial: 'AbC123' }],
    [`/01/${GTIN14}/10/LOT-1`, { gtin: GTIN14, lot: 'LOT-1' }],
    [`/01/${GTIN14}/10/LOT-1/`, { gtin: GTIN14, lot: 'LOT-1' }],
    [`/01/${GTIN14}`, { gtin: GTIN14 }],
    ['/01/8935049500018/10/A', { gtin: GTIN14, lot: 'A' }],
    [`/01/${GTIN14}/22/V2/10/A%2FB`, { gtin: GTIN14, cpv: 'V2', lot: 'A/B' }],
    ['/p/7K3M9Q2X/10/L1/21/S1', { productRef: '7K3M9Q2X', lot: 'L1', serial: 'S1' }],
  ])('accepts %s', (path, expected) => {
    const r = parseResolverPath(path);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.value;
    expect({
      ...(v.primary.ai === '01' ? { gtin: v.primary.gtin } : { productRef: v.primary.productRef }),
      ...(v.cpv ? { cpv: v.cpv } : {}),
      ...(v.lot ? { lot: v.lot } : {}),
      ...(v.serial ? { serial: v.serial } : {}),
    }).toEqual(expected);
  });

  it('lists every level from the request up to the primary key, canonical', () => {
    const r = parseResolverPath(`/01/8935049500018/10/L%2D1/21/S1/`);
    expect(r.ok && r.value.levels).toEqual([
      { level: 'item', path: `/01/${GTIN14}/10/L-1/21/S1` },
      { level: 'lot', path: `/01/${GTIN14}/10/L-1` },
      { level: 'product', path: `/01/${GTIN14}` },
    ]);
  });

  it.each([
    [`/01/08935049500019/10/A`, /check digit/],
    [`/01/89350495000/10/A`, /8, 12, 13 or 14 digits/],
    [`/01/ABC/10/A`, /digits/],
    [`/01/${GTIN14}/10/A/foo`, /pairs/],
    [`/01/${GTIN14}/10/A/99/x`, /not a key qualifier/],
    [`/01/${GTIN14}/21/S/10/A`, /order/],
    [`/01/${GTIN14}/10/A/10/B`, /order/],
    [`/01/${GTIN14}/10/${'x'.repeat(21)}`, /1 to 20/],
    [`/01/${GTIN14}/10/a%20b`, /character set 82/],
    [`/01/${GTIN14}/10/%E0%A4%A`, /%-encoded/],
    [`/01/${GTIN14}/10/`, /pairs|empty/],
    ['/p/has space/10/A', /reference/],
    ['/00/123', /Unknown primary key/],
  ])('refuses %s', (path, reason) => {
    const r = parseResolverPath(path);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('knows which paths are code-shaped', () => {
    expect(isCodeShapedPath('/01/123')).toBe(true);
    expect(isCodeShapedPath('/p/X')).toBe(true);
    expect(isCodeShapedPath('/01')).toBe(true);
    expect(isCodeShapedPath('/010/1')).toBe(false);
    expect(isCodeShapedPath('/products')).toBe(false);
  });
});

describe('checkDataAttributes', () => {
  it('checks YYMMDD dates of known AIs and passes other keys on', () => {
    expect(checkDataAttributes(new URLSearchParams('17=271231&k=abc&s=x&foo=bar'))).toBeNull();
    expect(checkDataAttributes(new URLSearchParams('17=270200'))).toBeNull();
    expect(checkDataAttributes(new URLSearchParams('17=270230'))).toMatch(/not a calendar date/);
    expect(checkDataAttributes(new URLSearchParams('15=2712'))).toMatch(/YYMMDD/);
    expect(checkDataAttributes(new URLSearchParams('11=271300'))).toMatch(/not a calendar date/);
  });
});

describe('parseLinkType', () => {
  it.each([
    ['linkset', { kind: 'linkset' }],
    ['all', { kind: 'linkset' }],
    ['gs1:pip', { kind: 'type', uri: LINK_TYPE.pip }],
    ['https://gs1.org/voc/pip', { kind: 'type', uri: LINK_TYPE.pip }],
    ['http://www.gs1.org/voc/recallStatus', { kind: 'type', uri: LINK_TYPE.recallStatus }],
    ['https://ref.gs1.org/voc/traceability', { kind: 'type', uri: LINK_TYPE.traceability }],
    ['certificationInfo', { kind: 'type', uri: LINK_TYPE.certificationInfo }],
    ['untp:dpp', { kind: 'type', uri: 'untp:dpp' }],
  ])('%s', (value, expected) => {
    expect(parseLinkType(value)).toEqual(expected);
  });
});

describe('content negotiation', () => {
  const offered = ['text/html', 'application/linkset+json', 'application/ld+json', 'application/json'];
  it.each([
    [undefined, 'text/html'],
    ['*/*', 'text/html'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text/html'],
    ['application/linkset+json', 'application/linkset+json'],
    ['application/json', 'application/json'],
    ['application/ld+json, application/json;q=0.5', 'application/ld+json'],
    ['application/*', 'application/linkset+json'],
    ['text/html;q=0.1, application/json', 'application/json'],
    ['image/png', null],
  ])('Accept %s → %s', (accept, expected) => {
    expect(preferredMediaType(accept, offered)).toBe(expected);
  });

  it('prefers the asked language among vi and en, Vietnamese by default', () => {
    expect(preferredLanguage(undefined)).toBe('vi');
    expect(preferredLanguage('en-GB,en;q=0.9')).toBe('en');
    expect(preferredLanguage('fr, en;q=0.5, vi;q=0.8')).toBe('vi');
    expect(preferredLanguage('de')).toBe('vi');
  });
});

describe('linksets', () => {
  const contexts: LinkContext[] = [
    {
      anchor: 'https://o.test/01/x/10/L',
      links: {
        [LINK_TYPE.pip]: [
          {
            href: 'https://o.test/01/x/10/L',
            title: { vi: 'Trang', en: 'Page' },
            hreflang: ['vi', 'en'],
            type: 'text/html',
          },
        ],
        [LINK_TYPE.verificationService]: [
          {
            href: 'https://o.test/page',
            title: { vi: 'Kiểm tra', en: 'Verify' },
            hreflang: ['vi', 'en'],
            type: 'text/html',
          },
          {
            href: 'https://o.test/api',
            title: { vi: 'API', en: 'API' },
            hreflang: ['en'],
            type: 'application/json',
          },
        ],
        [LINK_TYPE.defaultLink]: [
          { href: 'https://o.test/01/x/10/L', title: { vi: 'Trang', en: 'Page' }, type: 'text/html' },
        ],
      },
    },
    {
      anchor: 'https://o.test/01/x',
      itemDescription: 'Nước mắm',
      links: {
        [LINK_TYPE.certificationInfo]: [
          {
            href: 'https://o.test/c',
            title: { vi: 'Chứng nhận', en: 'Certificate' },
            hreflang: ['vi'],
            type: 'application/vc+jwt',
          },
        ],
        [LINK_TYPE.traceability]: [],
      },
    },
  ];

  it('writes RFC 9264 JSON: anchor, link types as keys, title and title* in both languages', () => {
    const json = toLinksetJson(contexts, 'en');
    expect(json.linkset).toHaveLength(2);
    const [lot, product] = json.linkset;
    expect(lot!.anchor).toBe('https://o.test/01/x/10/L');
    expect(lot![LINK_TYPE.pip]).toEqual([
      {
        href: 'https://o.test/01/x/10/L',
        title: 'Page',
        'title*': [
          { value: 'Trang', language: 'vi' },
          { value: 'Page', language: 'en' },
        ],
        hreflang: ['vi', 'en'],
        type: 'text/html',
      },
    ]);
    // The default link carries no optional attributes.
    expect(lot![LINK_TYPE.defaultLink]).toEqual([{ href: 'https://o.test/01/x/10/L', title: 'Page' }]);
    expect(product!.itemDescription).toBe('Nước mắm');
    expect(product![LINK_TYPE.traceability]).toBeUndefined();
  });

  it('lists the targets of a type from the most specific level up', () => {
    expect(linksOfType(contexts, LINK_TYPE.certificationInfo).map((t) => t.href)).toEqual([
      'https://o.test/c',
    ]);
    expect(linksOfType(contexts, LINK_TYPE.recallStatus)).toEqual([]);
  });

  it('chooses among targets of one type by language, then by media type, else the first', () => {
    const targets = linksOfType(contexts, LINK_TYPE.verificationService);
    expect(chooseLink(targets, undefined, undefined)?.href).toBe('https://o.test/page');
    expect(chooseLink(targets, 'application/json', undefined)?.href).toBe('https://o.test/api');
    expect(chooseLink(targets, undefined, 'vi')?.href).toBe('https://o.test/page');
    expect(chooseLink(targets, 'text/html', 'en')?.href).toBe('https://o.test/page');
    expect(chooseLink([], undefined, undefined)).toBeNull();
  });

  it('writes an ASCII Link header with the Vietnamese title in title*', () => {
    const h = linkHeader([
      {
        href: 'https://o.test/x?linkType=linkset',
        rel: 'linkset',
        type: 'application/linkset+json',
        title: { vi: 'Danh sách liên kết', en: 'Linkset' },
      },
      {
        href: 'https://ref.gs1.org/standards/resolver/linkset-context',
        rel: 'http://www.w3.org/ns/json-ld#context',
      },
    ]);
    expect(h).toMatch(/^[\x20-\x7e]+$/);
    expect(h).toBe(
      `<https://o.test/x?linkType=linkset>; rel="linkset"; type="application/linkset+json"; title="Linkset"; title*=UTF-8'vi'Danh%20s%C3%A1ch%20li%C3%AAn%20k%E1%BA%BFt, ` +
        `<https://ref.gs1.org/standards/resolver/linkset-context>; rel="http://www.w3.org/ns/json-ld#context"`,
    );
  });
});
