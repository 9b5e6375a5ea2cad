import { describe, it, expect } from 'vitest';
import { foldVietnamese, matchesQuery } from './fold.ts';

describe('foldVietnamese', () => {
  it.each([
    ['Tỏi Lý Sơn', 'toi ly son'],
    ['ĐẶC KHU', 'dac khu'],
    ['đặc khu Lý Sơn', 'dac khu ly son'],
    ['Nước mắm Mười Quý', 'nuoc mam muoi quy'],
    ['Quảng Ngãi', 'quang ngai'],
    ['Đăk Glei', 'dak glei'],
    ['  Rờ   Kơi\t\n ', 'ro koi'],
    ['ăâêôơư ĂÂÊÔƠƯ', 'aaeoou aaeoou'],
    ['àáảãạ ằắẳẵặ ầấẩẫậ', 'aaaaa aaaaa aaaaa'],
    ['ỳýỷỹỵ', 'yyyyy'],
    ['Ðà Nẵng', 'da nang'], // U+00D0 look-alike of Đ
    ['Tỏi Lý Sơn'.normalize('NFD'), 'toi ly son'], // decomposed input
    ['ＯＣＯＰ ５', 'ocop 5'], // full-width
    ['HTX Nông nghiệp 1898/QĐ-UBND', 'htx nong nghiep 1898/qd-ubnd'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(foldVietnamese(input)).toBe(expected);
  });
});

describe('matchesQuery', () => {
  const name = 'Tỏi cô đơn Lý Sơn - HTX Nông nghiệp An Hải';
  it.each([
    ['toi ly son', true],
    ['TỎI', true],
    ['son ly', true], // any order
    ['hai an htx', true],
    ['co don', true],
    ['ly', true], // substring of a word
    ['toi hanh', false],
    ['tỏi   lý\tsơn', true],
    ['', true],
    ['   ', true],
    ['quảng ngãi', false],
  ])('%j in the name → %s', (query, expected) => {
    expect(matchesQuery(name, query)).toBe(expected);
  });
});
