/**
 * Who certifies an OCOP star level, by decision date.
 *
 * The law has moved 3★ twice (province → district → province), so the periods are data: a 3★
 * certificate signed by a district in 2024 is lawful and stays so until it expires, and the same
 * certificate signed by a district in 2026 is not. The 5★ authority is the central ministry
 * throughout, whose name changed in 2025.
 */
import { compareDates, isIsoDate, isWithin } from './dates.ts';
import type { IsoDate } from './dates.ts';
import { violation } from './rules.ts';
import type { RuleViolation } from './rules.ts';

export type CertifyingLevel = 'commune' | 'district' | 'province' | 'central';

export const CERTIFYING_LEVELS: readonly CertifyingLevel[] = ['commune', 'district', 'province', 'central'];

export const CERTIFYING_LEVEL_LABELS: Record<CertifyingLevel, { vi: string; en: string }> = {
  commune: { vi: 'Cấp xã', en: 'Commune' },
  district: { vi: 'Cấp huyện', en: 'District' },
  province: { vi: 'Cấp tỉnh', en: 'Province' },
  central: { vi: 'Trung ương', en: 'Central' },
};

/** Star levels that are certified at all (1★ and 2★ get no certificate). */
export type CertifiedStars = 3 | 4 | 5;

export interface CertifyingPeriod {
  /** First decision date of the period (inclusive). */
  from: IsoDate;
  /** Last decision date of the period (inclusive), null while in force. */
  to: IsoDate | null;
  byStars: Record<CertifiedStars, CertifyingLevel>;
  /** The decision that set the split. */
  basis: string;
}

/**
 * @see Decision 1048/QĐ-TTg (2019): UBND tỉnh certifies 3★ and 4★, the national council 5★
 *   (domain.md §1.4, danang.gov.vn, CONFIRMED).
 * @see Decision 148/QĐ-TTg (24/02/2023, in force on signing): UBND huyện certifies 3★, UBND tỉnh 4★,
 *   the centre 5★ (REPORTED, consistent across two summaries).
 * @see Decision 1489/QĐ-TTg (06/07/2025): with districts abolished, UBND tỉnh certifies 3★ and 4★;
 *   the commune only pre-assesses the dossier (REPORTED; Quảng Ngãi 1898/QĐ-UBND of 2025 CONFIRMED
 *   in practice).
 *
 * Known gap: districts ceased to exist on 01/07/2025 (Law 72/2025/QH15) but 1489 is dated
 * 06/07/2025, so for decisions of 01–05/07/2025 this table still names the district. No source
 * covers those five days; a district 3★ decision dated then should be looked at by a person.
 */
export const CERTIFYING_PERIODS: readonly CertifyingPeriod[] = [
  {
    from: '2019-08-21',
    to: '2023-02-23',
    byStars: { 3: 'province', 4: 'province', 5: 'central' },
    basis: '1048/QĐ-TTg',
  },
  {
    from: '2023-02-24',
    to: '2025-07-05',
    byStars: { 3: 'district', 4: 'province', 5: 'central' },
    basis: '148/QĐ-TTg',
  },
  {
    from: '2025-07-06',
    to: null,
    byStars: { 3: 'province', 4: 'province', 5: 'central' },
    basis: '1489/QĐ-TTg',
  },
];

function isCertifiedStars(stars: number): stars is CertifiedStars {
  return stars === 3 || stars === 4 || stars === 5;
}

/**
 * The period in force on a decision date, or null before the first criteria set (21/08/2019).
 * @throws RangeError when `date` is not an ISO date.
 */
export function certifyingPeriodOn(
  date: IsoDate,
  periods: readonly CertifyingPeriod[] = CERTIFYING_PERIODS,
): CertifyingPeriod | null {
  if (!isIsoDate(date)) throw new RangeError(`Not an ISO calendar date: ${JSON.stringify(date)}`);
  return periods.find((p) => isWithin(date, p.from, p.to)) ?? null;
}

/**
 * The level that certifies `stars` for a decision dated `decisionDate`; null when that star level
 * is not certifiable (below 3★) or the date precedes every known period.
 * @throws RangeError when `decisionDate` is not an ISO date.
 */
export function certifyingLevel(
  decisionDate: IsoDate,
  stars: number,
  periods: readonly CertifyingPeriod[] = CERTIFYING_PERIODS,
): CertifyingLevel | null {
  const period = certifyingPeriodOn(decisionDate, periods);
  if (!period || !isCertifiedStars(stars)) return null;
  return period.byStars[stars];
}

/**
 * Checks the level a caller says issued a certificate. Returns the broken rule, or null when the
 * level is the one the law gave on that date.
 */
export function checkCertifyingLevel(
  decisionDate: IsoDate,
  stars: number,
  claimedLevel: CertifyingLevel,
  periods: readonly CertifyingPeriod[] = CERTIFYING_PERIODS,
): RuleViolation | null {
  if (!isIsoDate(decisionDate)) {
    return violation(
      'certification.date_invalid',
      `Ngày quyết định không hợp lệ (cần dạng YYYY-MM-DD): ${decisionDate}.`,
      `Invalid decision date (expected YYYY-MM-DD): ${decisionDate}.`,
    );
  }
  if (!isCertifiedStars(stars)) {
    return violation(
      'certification.not_certifiable',
      `Sản phẩm ${stars} sao không được cấp giấy chứng nhận OCOP (chỉ từ 3 sao trở lên).`,
      `A ${stars}-star product is not OCOP-certified (3 stars and up only).`,
    );
  }
  const period = certifyingPeriodOn(decisionDate, periods);
  if (!period) {
    const first = [...periods].sort((a, b) => compareDates(a.from, b.from))[0];
    return violation(
      'certification.no_period',
      `Ngày quyết định ${decisionDate} trước khi có bộ tiêu chí OCOP${first ? ` (từ ${first.from})` : ''}.`,
      `Decision date ${decisionDate} precedes the OCOP criteria${first ? ` (from ${first.from})` : ''}.`,
    );
  }
  const expected = period.byStars[stars];
  if (expected !== claimedLevel) {
    const e = CERTIFYING_LEVEL_LABELS[expected];
    // The claim may come straight from a request body: do not trust it to be a known level.
    const c = (CERTIFYING_LEVEL_LABELS as Partial<Record<string, { vi: string; en: string }>>)[
      claimedLevel
    ] ?? {
      vi: `cấp "${String(claimedLevel)}"`,
      en: `"${String(claimedLevel)}"`,
    };
    return violation(
      'certification.level',
      `Theo ${period.basis}, sản phẩm ${stars} sao có quyết định ngày ${decisionDate} do ${e.vi.toLowerCase()} công nhận, không phải ${c.vi.toLowerCase()}.`,
      `Under ${period.basis}, a ${stars}-star decision dated ${decisionDate} is issued at ${e.en.toLowerCase()} level, not ${c.en.toLowerCase()} level.`,
    );
  }
  return null;
}

export interface NamedPeriod {
  from: IsoDate;
  to: IsoDate | null;
  name: string;
}

/**
 * The central ministry that signs 5★ decisions. MARD (formed 1995) and MONRE merged into the
 * Ministry of Agriculture and Environment, which took office on 01/03/2025 (believed to be under
 * Nghị định 35/2025/NĐ-CP: decree number UNCONFIRMED here). 5★ decisions are numbered /QĐ-BNNMT
 * from then, e.g. 2361/QĐ-BNNMT of 26/06/2025 (CONFIRMED).
 * @see domain.md §1.4, §1.7, §5
 */
export const CENTRAL_AUTHORITIES: readonly NamedPeriod[] = [
  { from: '1995-11-01', to: '2025-02-28', name: 'Bộ Nông nghiệp và Phát triển nông thôn' },
  { from: '2025-03-01', to: null, name: 'Bộ Nông nghiệp và Môi trường' },
];

/** Prefixes that already say what kind of unit a name is; we then add no "tỉnh"/"huyện" of our own. */
const PROVINCE_KINDS = /^(tỉnh|thành phố|tp\.?)\s/iu;
const DISTRICT_KINDS = /^(huyện|quận|thị xã|thành phố|tp\.?)\s/iu;

/**
 * The conventional name of the body that signs at `level` on `date`, as printed on decisions:
 * 'UBND tỉnh Quảng Ngãi', 'UBND huyện Lý Sơn', 'Bộ Nông nghiệp và Môi trường'. Pass names without
 * a prefix ('Quảng Ngãi') or with one ('Thành phố Đà Nẵng', 'Thị xã Đức Phổ'); a prefix is kept as
 * given. Returns null when the name cannot be formed: the commune (which never certifies), a
 * district level without `districtName`, or a date before the first known ministry.
 * @throws RangeError when `date` is not an ISO date.
 */
export function defaultAuthority(
  level: CertifyingLevel,
  date: IsoDate,
  provinceName: string,
  districtName?: string,
): string | null {
  if (!isIsoDate(date)) throw new RangeError(`Not an ISO calendar date: ${JSON.stringify(date)}`);
  switch (level) {
    case 'central':
      return CENTRAL_AUTHORITIES.find((a) => isWithin(date, a.from, a.to))?.name ?? null;
    case 'province': {
      const name = provinceName.trim();
      if (!name) return null;
      return PROVINCE_KINDS.test(name) ? `UBND ${name}` : `UBND tỉnh ${name}`;
    }
    case 'district': {
      const name = districtName?.trim();
      if (!name) return null;
      return DISTRICT_KINDS.test(name) ? `UBND ${name}` : `UBND huyện ${name}`;
    }
    case 'commune':
      return null;
  }
}
