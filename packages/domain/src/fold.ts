/**
 * Diacritic-insensitive search for Vietnamese.
 *
 * People type "toi ly son" on a phone keyboard without Telex as often as "Tỏi Lý Sơn"; an
 * inspector's search and the public product search must match both. Folding is only for
 * matching: always display and store the original text with its diacritics.
 */

/**
 * Lower-cases, removes every diacritic (tones and the marks of ă â ê ô ơ ư), maps đ/Đ to d,
 * collapses whitespace runs to one space and trims: "Tỏi Lý Sơn" → "toi ly son",
 * "ĐẶC KHU" → "dac khu".
 *
 * NFKD splits precomposed letters into base + combining marks (also compatibility forms such as
 * full-width letters), then the marks (\p{M}) are dropped. Đ/đ are separate letters in Unicode,
 * not D + mark, so they are mapped by hand, as is the look-alike Ð (U+00D0) that legacy
 * Vietnamese encodings sometimes produce.
 */
export function foldVietnamese(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐÐð]/g, 'd')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * True when every word of `query` occurs (as a substring, in any order) in `haystack`, both
 * folded. An empty query matches everything.
 */
export function matchesQuery(haystack: string, query: string): boolean {
  const words = foldVietnamese(query)
    .split(' ')
    .filter((w) => w !== '');
  if (words.length === 0) return true;
  const folded = foldVietnamese(haystack);
  return words.every((w) => folded.includes(w));
}
