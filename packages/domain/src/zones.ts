/**
 * Raw-material zone codes (growing areas, aquaculture ponds).
 *
 * A zone code is an official string issued by an authority. It is stored as an opaque string
 * with its scheme, issuer and validity, exactly as issued: never rebuilt from today's
 * administrative map, because the 2025 reform renumbered the units its segments were taken from
 * (DESIGN.md, Domain rules). The checks here only turn away input that cannot be such a code.
 */

export const ZONE_SCHEMES = [
  'VUNG_TRONG',
  'VUNG_TRONG_XK',
  'NUOI_TRONG_THUY_SAN',
  'CA_TRA',
  'OTHER',
] as const;

export type ZoneScheme = (typeof ZONE_SCHEMES)[number];

export const ZONE_SCHEME_LABELS: Record<ZoneScheme, { vi: string; en: string }> = {
  VUNG_TRONG: { vi: 'Mã số vùng trồng', en: 'Growing-area code' },
  VUNG_TRONG_XK: { vi: 'Mã số vùng trồng xuất khẩu', en: 'Export growing-area code' },
  NUOI_TRONG_THUY_SAN: { vi: 'Mã số cơ sở nuôi trồng thủy sản', en: 'Aquaculture facility code' },
  CA_TRA: { vi: 'Mã số nhận diện ao nuôi cá tra', en: 'Pangasius pond code' },
  OTHER: { vi: 'Mã vùng nguyên liệu khác', en: 'Other raw-material zone code' },
};

export function isZoneScheme(s: unknown): s is ZoneScheme {
  return typeof s === 'string' && (ZONE_SCHEMES as readonly string[]).includes(s);
}

/** Longest code accepted under any scheme (database column and label space). */
export const ZONE_CODE_MAX_LENGTH = 64;

export type ZoneCodeCheck = { ok: true } | { ok: false; message: string; messageEn: string };

const OK: ZoneCodeCheck = { ok: true };

function bad(message: string, messageEn: string): ZoneCodeCheck {
  return { ok: false, message, messageEn };
}

/** Control, format (zero-width…), surrogate and private-use characters, and line separators. */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]/u;

function allZero(segment: string): boolean {
  return /^0+$/.test(segment);
}

/**
 * Growing-area codes, 3156/QĐ-BNN-TT of 19/08/2022: `VN-<province>-<district>-<commune>-<seq>-<YY>`.
 * Unit codes come from the national list (124/2004/QĐ-TTg): province 2 digits, district 3,
 * commune 5 (widths INFERRED from that list, domain.md §8); seq is numbered by the province from
 * 01 (at least two digits); YY = last two digits of the year of issue.
 * Districts were abolished on 01/07/2025; whether later codes simply drop the district segment is
 * UNCONFIRMED (domain.md §3.1), so `VN-<province>-<commune>-<seq>-<YY>` is accepted as well.
 */
const VUNG_TRONG_WITH_DISTRICT = /^VN-(\d{2})-(\d{3})-(\d{5})-(\d{2,})-(\d{2})$/;
const VUNG_TRONG_WITHOUT_DISTRICT = /^VN-(\d{2})-(\d{5})-(\d{2,})-(\d{2})$/;

function checkVungTrong(code: string): ZoneCodeCheck {
  const withDistrict = VUNG_TRONG_WITH_DISTRICT.exec(code);
  const segments = withDistrict
    ? withDistrict.slice(1, 5)
    : VUNG_TRONG_WITHOUT_DISTRICT.exec(code)?.slice(1, 4);
  if (!segments) {
    return bad(
      'Mã số vùng trồng phải có dạng VN-<tỉnh 2 số>-<huyện 3 số>-<xã 5 số>-<số thứ tự từ 01>-<năm 2 số> (theo 3156/QĐ-BNN-TT), hoặc không có đoạn huyện sau năm 2025.',
      'A growing-area code must look like VN-<province 2 digits>-<district 3>-<commune 5>-<sequence from 01>-<2-digit year> (3156/QĐ-BNN-TT), or without the district segment after 2025.',
    );
  }
  if (segments.some((s) => s === undefined || allZero(s))) {
    return bad(
      'Mã tỉnh, huyện, xã và số thứ tự trong mã số vùng trồng không được toàn số 0 (số thứ tự bắt đầu từ 01).',
      'Province, district, commune and sequence in a growing-area code cannot be all zeros (the sequence starts at 01).',
    );
  }
  return OK;
}

/**
 * Pangasius (cá tra) pond code, Nghị định 55/2017/NĐ-CP Art. 4: 11 digits `AA-BB-CCCC-DDD`:
 * AA province (aquaculture list), BB species (01 = cá tra), CCCC farm 0001–9999, DDD pond 001–999.
 * Accepted with or without the dashes. @see domain.md §3.3 (CONFIRMED)
 */
const CA_TRA = /^(\d{2})-?(\d{2})-?(\d{4})-?(\d{3})$/;

function checkCaTra(code: string): ZoneCodeCheck {
  const m = CA_TRA.exec(code);
  const dashes = (code.match(/-/g) ?? []).length;
  if (!m || (dashes !== 0 && dashes !== 3)) {
    return bad(
      'Mã số ao nuôi cá tra gồm 11 chữ số dạng AA-BB-CCCC-DDD (Nghị định 55/2017/NĐ-CP).',
      'A pangasius pond code is 11 digits, AA-BB-CCCC-DDD (Decree 55/2017/NĐ-CP).',
    );
  }
  const [, province = '', species = '', farm = '', pond = ''] = m;
  if (species !== '01') {
    return bad(
      `Mã loài trong mã số ao nuôi cá tra phải là 01 (nhận được ${species}).`,
      `The species segment of a pangasius pond code must be 01 (got ${species}).`,
    );
  }
  if (allZero(province) || allZero(farm) || allZero(pond)) {
    return bad(
      'Mã tỉnh, số cơ sở (0001–9999) và số ao (001–999) không được toàn số 0.',
      'Province, farm number (0001–9999) and pond number (001–999) cannot be all zeros.',
    );
  }
  return OK;
}

/**
 * Checks the shape of a zone code for its scheme. Never normalises: the caller stores the code
 * exactly as given once it passes. Aquaculture facility codes (Nghị định 26/2019/NĐ-CP) and other
 * schemes have no confirmed format (domain.md §3.3), so any printable, trimmed text up to
 * {@link ZONE_CODE_MAX_LENGTH} characters is accepted for them.
 *
 * Export growing-area codes are checked like domestic ones, as the brief asks; codes issued by
 * the Plant Protection Department in another shape would need the OTHER scheme until confirmed.
 */
export function checkZoneCode(scheme: ZoneScheme, code: string): ZoneCodeCheck {
  if (typeof code !== 'string' || code.trim() === '') {
    return bad('Mã vùng nguyên liệu không được để trống.', 'The zone code is empty.');
  }
  if ([...code].length > ZONE_CODE_MAX_LENGTH) {
    return bad(
      `Mã vùng nguyên liệu dài quá ${ZONE_CODE_MAX_LENGTH} ký tự.`,
      `The zone code is longer than ${ZONE_CODE_MAX_LENGTH} characters.`,
    );
  }
  if (NON_PRINTABLE.test(code)) {
    return bad(
      'Mã vùng nguyên liệu chứa ký tự điều khiển hoặc ký tự ẩn.',
      'The zone code contains control or invisible characters.',
    );
  }
  if (code !== code.trim()) {
    return bad(
      'Mã vùng nguyên liệu có khoảng trắng ở đầu hoặc cuối.',
      'The zone code has leading or trailing spaces.',
    );
  }
  switch (scheme) {
    case 'VUNG_TRONG':
    case 'VUNG_TRONG_XK':
      return checkVungTrong(code);
    case 'CA_TRA':
      return checkCaTra(code);
    case 'NUOI_TRONG_THUY_SAN':
    case 'OTHER':
      return OK;
    default:
      return bad(`Loại mã vùng không hợp lệ: ${String(scheme)}.`, `Unknown zone scheme: ${String(scheme)}.`);
  }
}
