import { describe, expect, it } from 'vitest';
import { encodeQr } from '../../labels/index.ts';
import { leastPackable } from './prepare.ts';

/** A unit code URL of the usual shape with the given serial and signature. */
const unitUrl = (serial: string, sig: string) =>
  `https://ocop.test/01/08939990000026/10/L1a2b/21/${serial}?k=7vHy4cm0&s=${sig}`;

const randomOf = (alphabet: string, n: number) =>
  Array.from({ length: n }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('leastPackable: what decides whether a batch’s codes fit', () => {
  it('keeps the length and everything but the serial and the signature', () => {
    const url = unitUrl('AB12CD34EF', 'A'.repeat(86));
    const worst = leastPackable(url);
    expect(worst).toHaveLength(url.length);
    expect(worst).toBe(unitUrl('x'.repeat(10), 'x'.repeat(86)));
    const batch = 'https://ocop.test/01/08939990000026/10/L1a2b?k=7vHy4cm0&s=' + '0'.repeat(86);
    expect(leastPackable(batch)).toBe(
      'https://ocop.test/01/08939990000026/10/L1a2b?k=7vHy4cm0&s=' + 'x'.repeat(86),
    );
  });

  it('needs a QR version at least as large as any code with those lengths, digit-rich ones included', () => {
    // A serial and signature of digits and capitals pack into a smaller QR than random ones.
    const packed = unitUrl('0123456789', '0'.repeat(43) + 'A'.repeat(43));
    expect(encodeQr(leastPackable(packed)).version).toBeGreaterThan(encodeQr(packed).version);
    for (let i = 0; i < 200; i++) {
      const url = unitUrl(randomOf('0123456789ABCDEFGHJKLMNPQRSTUVWXYZ', 10), randomOf(B64URL, 86));
      expect(encodeQr(leastPackable(url)).version).toBeGreaterThanOrEqual(encodeQr(url).version);
    }
  });
});
