/**
 * A producer's address for display: its address line, then its commune unless the line already
 * names it. Since the 2025 merger of communes producers write the new commune into the line
 * themselves ("Xã Trà Bồng (trước 01/07/2025: xã Trà Sơn, …)"), and the page repeated it.
 * Compared without regard to case or Unicode form (a line typed with decomposed diacritics still
 * names the commune).
 */
export function addressWithCommune(line: string | null, commune: string | null): string | null {
  const fold = (s: string) => s.normalize('NFC').toLocaleLowerCase('vi').replace(/\s+/g, ' ').trim();
  const l = line?.trim() || null;
  const c = commune?.trim() || null;
  if (l === null || c === null) return l ?? c;
  return fold(l).includes(fold(c)) ? l : `${l}, ${c}`;
}
