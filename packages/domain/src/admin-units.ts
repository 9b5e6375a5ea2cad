/**
 * Effective-dated administrative units.
 *
 * On 01/07/2025 Vietnam moved to two tiers of local government (Law 72/2025/QH15): districts were
 * abolished, provinces merged (NQ 202/2025/QH15: Kon Tum into Quảng Ngãi) and communes merged
 * (NQ 1677/NQ-UBTVQH15: 96 commune-level units in the new Quảng Ngãi, incl. đặc khu Lý Sơn).
 * Certificates, producers' addresses and zone codes from before keep their old units, so units
 * are never edited in place: a unit has dates, and a replaced unit points to its successors.
 * @see domain.md §5
 */
import { compareDates, isIsoDate, isWithin } from './dates.ts';
import type { IsoDate } from './dates.ts';

export type AdminLevel = 'province' | 'district' | 'commune' | 'ward' | 'special_zone';

export const ADMIN_LEVEL_LABELS: Record<AdminLevel, { vi: string; en: string }> = {
  province: { vi: 'Tỉnh/Thành phố', en: 'Province' },
  district: { vi: 'Huyện/Quận/Thị xã', en: 'District' },
  commune: { vi: 'Xã', en: 'Commune' },
  ward: { vi: 'Phường', en: 'Ward' },
  special_zone: { vi: 'Đặc khu', en: 'Special zone' },
};

export interface AdminUnit {
  id: string;
  name: string;
  level: AdminLevel;
  /** The unit above, as it stood while this unit existed; null for a province. */
  parentId: string | null;
  /** First day of existence (inclusive). */
  validFrom: IsoDate;
  /** Last day of existence (inclusive), null while it exists. */
  validTo: IsoDate | null;
  /** Units that took over this one when it ended (merger: one; split: several). */
  successorIds: string[];
}

/** First day of two-tier local government. @see Law 72/2025/QH15; NQ 202/2025/QH15 */
export const TWO_TIER_GOVERNMENT_FROM: IsoDate = '2025-07-01';

/** Last day any district existed: every district record ends on this date. */
export const DISTRICTS_LAST_DAY: IsoDate = '2025-06-30';

/** The unit existed on `date` (both ends inclusive). */
export function isUnitValidOn(unit: AdminUnit, date: IsoDate): boolean {
  if (!isIsoDate(date)) throw new RangeError(`Not an ISO calendar date: ${JSON.stringify(date)}`);
  return isWithin(date, unit.validFrom, unit.validTo);
}

/** `date` moved into the unit's own lifetime (so an ended unit is seen on its last day). */
function clampToLifetime(unit: AdminUnit, date: IsoDate): IsoDate {
  if (compareDates(date, unit.validFrom) < 0) return unit.validFrom;
  if (unit.validTo !== null && compareDates(date, unit.validTo) > 0) return unit.validTo;
  return date;
}

/**
 * The chain from unit `id` up to its province, starting with the unit itself:
 * [commune, district, province] before 2025, [commune, province] after.
 *
 * The chain is read on `date`, moved into the unit's own lifetime: an old commune (ended
 * 30/06/2025) asked about in 2026 still answers with its old district and old province, which is
 * what its certificates and zone codes refer to. When a parent did not exist on that day (a
 * commune that outlived its abolished district), the parent's successor valid on that day
 * stands in for it, if there is exactly one. Returns null when `id` is unknown.
 * @throws RangeError when `date` is not an ISO date.
 */
export function ancestryOn(
  units: ReadonlyMap<string, AdminUnit>,
  id: string,
  date: IsoDate,
): AdminUnit[] | null {
  if (!isIsoDate(date)) throw new RangeError(`Not an ISO calendar date: ${JSON.stringify(date)}`);
  const unit = units.get(id);
  if (!unit) return null;
  const on = clampToLifetime(unit, date);
  const chain: AdminUnit[] = [unit];
  const seen = new Set<string>([unit.id]);
  let current = unit;
  while (current.level !== 'province' && current.parentId !== null) {
    let parent = units.get(current.parentId);
    if (!parent) break;
    if (!isUnitValidOn(parent, on)) {
      const stand = currentSuccessors(units, parent.id, on);
      if (stand.length === 1 && stand[0]) parent = stand[0];
    }
    if (seen.has(parent.id)) break; // a cycle in the data: stop rather than loop
    seen.add(parent.id);
    chain.push(parent);
    current = parent;
  }
  return chain;
}

/**
 * The units valid on `date` that carry on unit `id`: itself if it is valid then, otherwise its
 * successors, followed transitively through units that had also ended by `date` (commune →
 * merged commune → …). Units that begin after `date` are neither returned nor followed. Order is
 * that of the successor lists, without duplicates; [] if `id` is unknown or nothing is valid.
 * @throws RangeError when `date` is not an ISO date.
 */
export function currentSuccessors(
  units: ReadonlyMap<string, AdminUnit>,
  id: string,
  date: IsoDate,
): AdminUnit[] {
  if (!isIsoDate(date)) throw new RangeError(`Not an ISO calendar date: ${JSON.stringify(date)}`);
  const start = units.get(id);
  if (!start) return [];
  const result: AdminUnit[] = [];
  const seen = new Set<string>();
  const queue: AdminUnit[] = [start];
  while (queue.length > 0) {
    const unit = queue.shift();
    if (!unit || seen.has(unit.id)) continue;
    seen.add(unit.id);
    if (isUnitValidOn(unit, date)) {
      result.push(unit);
    } else if (unit.validTo !== null && compareDates(unit.validTo, date) < 0) {
      for (const next of unit.successorIds) {
        const successor = units.get(next);
        if (successor) queue.push(successor);
      }
    }
  }
  return result;
}

/** Builds the lookup map the functions above take. */
export function indexUnits(units: Iterable<AdminUnit>): Map<string, AdminUnit> {
  const map = new Map<string, AdminUnit>();
  for (const u of units) map.set(u.id, u);
  return map;
}
