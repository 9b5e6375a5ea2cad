import { describe, expect, it } from 'vitest';
import { addressWithCommune } from '../site/src/lib/address.ts';

/** The producer's address on a product page (site/src/lib/address.ts). */
describe('addressWithCommune', () => {
  it('adds the commune after a line that does not name it', () => {
    expect(addressWithCommune('Thôn Tây An Vĩnh', 'Đặc khu Lý Sơn')).toBe('Thôn Tây An Vĩnh, Đặc khu Lý Sơn');
  });

  it('does not repeat a commune the line already names, whatever its case or Unicode form', () => {
    const line = 'Xã Trà Bồng (trước 01/07/2025: xã Trà Sơn, huyện Trà Bồng)';
    expect(addressWithCommune(line, 'Xã Trà Bồng')).toBe(line);
    expect(addressWithCommune('Thôn Vĩnh Trà, xã Bình Sơn', 'Xã Bình Sơn')).toBe(
      'Thôn Vĩnh Trà, xã Bình Sơn',
    );
    const decomposed = 'Thôn 1, xã Bình Sơn'.normalize('NFD');
    expect(addressWithCommune(decomposed, 'Xã  Bình Sơn')).toBe(decomposed);
  });

  it('shows whichever of the two is known, and nothing when neither is', () => {
    expect(addressWithCommune(null, 'Xã Bình Sơn')).toBe('Xã Bình Sơn');
    expect(addressWithCommune('Thôn 1', null)).toBe('Thôn 1');
    expect(addressWithCommune('  ', ' ')).toBeNull();
    expect(addressWithCommune(null, null)).toBeNull();
  });
});
