import { describe, it, expect } from 'vitest';
import {
  DISTRICTS_LAST_DAY,
  TWO_TIER_GOVERNMENT_FROM,
  ancestryOn,
  currentSuccessors,
  indexUnits,
  isUnitValidOn,
} from './admin-units.ts';
import type { AdminUnit } from './admin-units.ts';
import { addDays } from './dates.ts';

const OLD = '2025-06-30';
const NEW = '2025-07-01';

// A small slice of Quảng Ngãi before and after 01/07/2025 (ids are ours, not official codes).
const units = indexUnits([
  // provinces
  {
    id: 'P-QNG-OLD',
    name: 'Quảng Ngãi',
    level: 'province',
    parentId: null,
    validFrom: '1989-07-01',
    validTo: OLD,
    successorIds: ['P-QNG'],
  },
  {
    id: 'P-KT',
    name: 'Kon Tum',
    level: 'province',
    parentId: null,
    validFrom: '1991-08-12',
    validTo: OLD,
    successorIds: ['P-QNG'],
  },
  {
    id: 'P-QNG',
    name: 'Quảng Ngãi',
    level: 'province',
    parentId: null,
    validFrom: NEW,
    validTo: null,
    successorIds: [],
  },
  // Lý Sơn: district and its three communes became one đặc khu
  {
    id: 'D-LS',
    name: 'Lý Sơn',
    level: 'district',
    parentId: 'P-QNG-OLD',
    validFrom: '1993-01-01',
    validTo: OLD,
    successorIds: ['Z-LS'],
  },
  {
    id: 'C-AV',
    name: 'An Vĩnh',
    level: 'commune',
    parentId: 'D-LS',
    validFrom: '1993-01-01',
    validTo: OLD,
    successorIds: ['Z-LS'],
  },
  {
    id: 'C-AH',
    name: 'An Hải',
    level: 'commune',
    parentId: 'D-LS',
    validFrom: '1993-01-01',
    validTo: OLD,
    successorIds: ['Z-LS'],
  },
  {
    id: 'C-AB',
    name: 'An Bình',
    level: 'commune',
    parentId: 'D-LS',
    validFrom: '1993-01-01',
    validTo: OLD,
    successorIds: ['Z-LS'],
  },
  {
    id: 'Z-LS',
    name: 'Lý Sơn',
    level: 'special_zone',
    parentId: 'P-QNG',
    validFrom: NEW,
    validTo: null,
    successorIds: [],
  },
  // Kon Tum: a commune kept unchanged as one record; its district ended, the new province took over
  {
    id: 'D-DG',
    name: 'Đăk Glei',
    level: 'district',
    parentId: 'P-KT',
    validFrom: '1991-08-12',
    validTo: OLD,
    successorIds: ['P-QNG'],
  },
  {
    id: 'C-DL',
    name: 'Đăk Long',
    level: 'commune',
    parentId: 'D-DG',
    validFrom: '1991-08-12',
    validTo: null,
    successorIds: [],
  },
  // a two-step chain and a split, to exercise the transitive walk
  {
    id: 'C-X',
    name: 'X',
    level: 'commune',
    parentId: 'D-LS',
    validFrom: '2000-01-01',
    validTo: '2010-12-31',
    successorIds: ['C-Y'],
  },
  {
    id: 'C-Y',
    name: 'Y',
    level: 'commune',
    parentId: 'D-LS',
    validFrom: '2011-01-01',
    validTo: OLD,
    successorIds: ['Z-LS', 'C-W'],
  },
  {
    id: 'C-W',
    name: 'W',
    level: 'commune',
    parentId: 'P-QNG',
    validFrom: NEW,
    validTo: null,
    successorIds: [],
  },
  {
    id: 'C-FUT',
    name: 'Future',
    level: 'commune',
    parentId: 'P-QNG',
    validFrom: '2030-01-01',
    validTo: null,
    successorIds: [],
  },
  {
    id: 'C-PRE',
    name: 'Pre',
    level: 'commune',
    parentId: 'D-LS',
    validFrom: '2000-01-01',
    validTo: '2020-12-31',
    successorIds: ['C-FUT'],
  },
  // broken data: a cycle
  {
    id: 'LOOP-A',
    name: 'A',
    level: 'commune',
    parentId: 'LOOP-B',
    validFrom: '2000-01-01',
    validTo: null,
    successorIds: [],
  },
  {
    id: 'LOOP-B',
    name: 'B',
    level: 'district',
    parentId: 'LOOP-A',
    validFrom: '2000-01-01',
    validTo: null,
    successorIds: [],
  },
] satisfies AdminUnit[]);

const ids = (list: AdminUnit[] | null) => list?.map((u) => u.id) ?? null;

describe('two-tier constants', () => {
  it('districts end the day before two-tier government starts', () => {
    expect(addDays(DISTRICTS_LAST_DAY, 1)).toBe(TWO_TIER_GOVERNMENT_FROM);
    expect(TWO_TIER_GOVERNMENT_FROM).toBe('2025-07-01');
  });
});

describe('isUnitValidOn', () => {
  it.each([
    ['D-LS', '2025-06-30', true],
    ['D-LS', '2025-07-01', false],
    ['Z-LS', '2025-06-30', false],
    ['Z-LS', '2025-07-01', true],
    ['Z-LS', '2099-01-01', true],
    ['P-KT', '1991-08-11', false],
    ['P-KT', '1991-08-12', true],
  ])('%s on %s → %s', (id, date, expected) => {
    expect(isUnitValidOn(units.get(id)!, date)).toBe(expected);
  });

  it('rejects a non-date', () => {
    expect(() => isUnitValidOn(units.get('Z-LS')!, '2025/07/01')).toThrow(RangeError);
  });
});

describe('ancestryOn', () => {
  it.each([
    // an old commune keeps its old district and province, whenever asked
    ['C-AV', '2024-05-01', ['C-AV', 'D-LS', 'P-QNG-OLD']],
    ['C-AV', '2026-05-01', ['C-AV', 'D-LS', 'P-QNG-OLD']],
    ['C-AV', '1980-01-01', ['C-AV', 'D-LS', 'P-QNG-OLD']],
    // the new special zone sits directly under the new province
    ['Z-LS', '2026-05-01', ['Z-LS', 'P-QNG']],
    ['Z-LS', '2020-01-01', ['Z-LS', 'P-QNG']],
    // a commune that outlived its district: old chain before, new chain after the reform
    ['C-DL', '2025-06-30', ['C-DL', 'D-DG', 'P-KT']],
    ['C-DL', '2025-07-01', ['C-DL', 'P-QNG']],
    // a district and a province
    ['D-LS', '2026-01-01', ['D-LS', 'P-QNG-OLD']],
    ['P-QNG', '2026-01-01', ['P-QNG']],
    // broken data ends rather than loops
    ['LOOP-A', '2026-01-01', ['LOOP-A', 'LOOP-B']],
    ['NOPE', '2026-01-01', null],
  ])('%s on %s → %j', (id, date, expected) => {
    expect(ids(ancestryOn(units, id, date))).toEqual(expected);
  });

  it('rejects a non-date', () => {
    expect(() => ancestryOn(units, 'C-AV', '')).toThrow(RangeError);
  });
});

describe('currentSuccessors', () => {
  it.each([
    ['C-AV', '2026-01-01', ['Z-LS']],
    ['C-AV', '2025-06-30', ['C-AV']],
    ['C-AV', '2025-07-01', ['Z-LS']],
    ['D-LS', '2025-07-01', ['Z-LS']],
    ['P-KT', '2025-07-01', ['P-QNG']],
    ['P-QNG-OLD', '2025-07-01', ['P-QNG']],
    ['Z-LS', '2026-01-01', ['Z-LS']],
    // transitive, and a split returns every piece
    ['C-X', '2015-01-01', ['C-Y']],
    ['C-X', '2026-01-01', ['Z-LS', 'C-W']],
    // a successor that only begins later is not valid yet and is not followed
    ['C-PRE', '2026-01-01', []],
    ['C-PRE', '2030-01-01', ['C-FUT']],
    // before the unit existed: nothing carries it on
    ['Z-LS', '2025-06-30', []],
    ['NOPE', '2026-01-01', []],
  ])('%s on %s → %j', (id, date, expected) => {
    expect(ids(currentSuccessors(units, id, date))).toEqual(expected);
  });

  it('rejects a non-date', () => {
    expect(() => currentSuccessors(units, 'C-AV', '2025-13-01')).toThrow(RangeError);
  });
});
