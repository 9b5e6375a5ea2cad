import type { LabelData } from './types.ts';

/**
 * Realistic label data for tests and the benchmark: code URLs shaped like issued ones (GS1
 * Digital Link on the province's origin, a 12-character serial, an 8-character key reference and a
 * 64-byte ES256 signature in base64url), from a seeded generator so runs are reproducible.
 */
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SERIAL = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** mulberry32: small, seeded, good enough to vary test data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(rand: () => number, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

export const ORIGIN = 'https://ocop.quangngai.gov.vn';

/** A unit code URL, `{origin}/01/{gtin}/10/{lot}/21/{serial}?k=…&s=…` (about 180–195 bytes). */
export function unitCodeUrl(rand: () => number, lot: string, gtin = '08930000000019'): string {
  return `${ORIGIN}/01/${gtin}/10/${lot}/21/${pick(rand, SERIAL, 12)}?k=${pick(rand, B64URL, 8)}&s=${pick(rand, B64URL, 86)}`;
}

export const TOI_DEN: Omit<LabelData, 'url'> = {
  productName: 'Tỏi đen Lý Sơn',
  producerName: 'HTX Nông nghiệp Tổng hợp Lý Sơn',
  lot: 'TLS-2026-011',
  producedOn: '2026-03-12',
  bestBefore: '2027-03-12',
  stars: 4,
  domain: 'ocop.quangngai.gov.vn',
};

export const NUOC_MAM: Omit<LabelData, 'url'> = {
  productName: 'Nước mắm cốt đặc biệt Mười Quý',
  producerName: 'Cơ sở sản xuất nước mắm Mười Quý',
  lot: 'NMQ-2026-0415-B',
  producedOn: '2026-04-15',
  bestBefore: '2028-04-15',
  stars: 5,
  domain: 'ocop.quangngai.gov.vn',
};

/** `n` labels of one batch, each with its own unit code. */
export function batchLabels(base: Omit<LabelData, 'url'>, n: number, seed = 1): LabelData[] {
  const rand = seeded(seed);
  return Array.from({ length: n }, () => ({ ...base, url: unitCodeUrl(rand, base.lot) }));
}
