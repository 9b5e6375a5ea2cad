import { describe, it, expect } from 'vitest';
import {
  addDays,
  addMonths,
  compareDates,
  daysBetween,
  daysInMonth,
  isIsoDate,
  isoInstant,
  isWithin,
  maxDate,
  minDate,
  todayInVietnam,
  vietnamDateOf,
} from './dates.ts';

describe('isIsoDate', () => {
  it.each([
    ['2023-02-24', true],
    ['2024-02-29', true],
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2023-02-29', false],
    ['2023-04-31', false],
    ['2023-13-01', false],
    ['2023-00-10', false],
    ['2023-01-00', false],
    ['0000-01-01', false],
    ['2023-2-24', false],
    ['2023-02-24T00:00:00Z', false],
    [' 2023-02-24', false],
    ['24/02/2023', false],
    ['', false],
    [20230224, false],
    [null, false],
  ])('%j → %s', (input, expected) => {
    expect(isIsoDate(input)).toBe(expected);
  });
});

describe('daysInMonth', () => {
  it.each([
    [2023, 2, 28],
    [2024, 2, 29],
    [2100, 2, 28],
    [2000, 2, 29],
    [2025, 4, 30],
    [2025, 12, 31],
  ])('%i-%i has %i days', (y, m, expected) => {
    expect(daysInMonth(y, m)).toBe(expected);
  });
});

describe('addMonths', () => {
  it.each([
    ['2023-08-31', 36, '2026-08-31'],
    ['2024-02-29', 12, '2025-02-28'],
    ['2024-02-29', 48, '2028-02-29'],
    ['2024-02-29', 36, '2027-02-28'],
    ['2023-02-24', 36, '2026-02-24'],
    ['2023-01-31', 1, '2023-02-28'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2025-03-31', 1, '2025-04-30'],
    ['2025-12-15', 1, '2026-01-15'],
    ['2025-01-15', -1, '2024-12-15'],
    ['2025-03-31', -1, '2025-02-28'],
    ['2025-07-06', 0, '2025-07-06'],
    ['2022-11-30', 3, '2023-02-28'],
  ])('%s + %i months = %s', (date, n, expected) => {
    expect(addMonths(date, n)).toBe(expected);
  });

  it.each([
    ['2023-02-30', 1],
    ['not a date', 1],
    ['2023-01-01', 1.5],
  ])('rejects %j + %j', (date, n) => {
    expect(() => addMonths(date, n)).toThrow(RangeError);
  });
});

describe('addDays', () => {
  it.each([
    ['2025-06-30', 1, '2025-07-01'],
    ['2025-07-01', -1, '2025-06-30'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2023-02-28', 1, '2023-03-01'],
    ['2024-12-31', 1, '2025-01-01'],
    ['2026-08-31', -30, '2026-08-01'],
    ['1970-01-01', -1, '1969-12-31'],
    ['2000-01-01', 366, '2001-01-01'],
    ['2023-02-24', 0, '2023-02-24'],
  ])('%s + %i days = %s', (date, n, expected) => {
    expect(addDays(date, n)).toBe(expected);
  });

  it('rejects an invalid date', () => {
    expect(() => addDays('2025-02-29', 1)).toThrow(RangeError);
  });

  it('refuses to leave the four-digit years', () => {
    expect(() => addDays('9999-12-31', 1)).toThrow(RangeError);
  });
});

describe('compareDates / daysBetween', () => {
  it.each([
    ['2023-02-23', '2023-02-24', -1, 1],
    ['2023-02-24', '2023-02-24', 0, 0],
    ['2025-07-06', '2025-07-05', 1, -1],
    ['2024-01-01', '2025-01-01', -1, 366],
    ['2025-01-01', '2026-01-01', -1, 365],
    ['2023-08-31', '2026-08-31', -1, 1096],
  ])('%s vs %s', (a, b, cmp, days) => {
    expect(compareDates(a, b)).toBe(cmp);
    expect(daysBetween(a, b)).toBe(days);
    expect(addDays(a, daysBetween(a, b))).toBe(b);
  });

  it('rejects invalid input', () => {
    expect(() => compareDates('2023-02-30', '2023-03-01')).toThrow(RangeError);
    expect(() => daysBetween('2023-03-01', 'x')).toThrow(RangeError);
  });

  it('min/max', () => {
    expect(minDate('2025-07-05', '2025-07-06')).toBe('2025-07-05');
    expect(maxDate('2025-07-05', '2025-07-06')).toBe('2025-07-06');
  });
});

describe('isWithin', () => {
  it.each([
    ['2023-02-24', '2023-02-24', '2025-07-05', true],
    ['2025-07-05', '2023-02-24', '2025-07-05', true],
    ['2023-02-23', '2023-02-24', '2025-07-05', false],
    ['2025-07-06', '2023-02-24', '2025-07-05', false],
    ['2099-01-01', '2025-07-06', null, true],
    ['2025-07-05', '2025-07-06', null, false],
  ])('%s within [%s, %s] → %s', (date, from, to, expected) => {
    expect(isWithin(date, from, to)).toBe(expected);
  });
});

describe('todayInVietnam', () => {
  it.each([
    ['2025-06-30T16:59:59.999Z', '2025-06-30'],
    ['2025-06-30T17:00:00.000Z', '2025-07-01'],
    ['2025-07-01T00:00:00.000Z', '2025-07-01'],
    ['2024-12-31T17:00:00.000Z', '2025-01-01'],
    ['2024-02-28T17:00:00.000Z', '2024-02-29'],
    ['1970-01-01T00:00:00.000Z', '1970-01-01'],
    ['1969-12-31T16:59:59.999Z', '1969-12-31'],
    ['1969-12-31T17:00:00.000Z', '1970-01-01'],
  ])('%s → %s', (instant, expected) => {
    expect(todayInVietnam(new Date(instant))).toBe(expected);
  });

  it('rejects an invalid Date', () => {
    expect(() => todayInVietnam(new Date('nope'))).toThrow(RangeError);
  });

  it('gives each instant its own day when asked in any order (the last day is remembered)', () => {
    const instants = Array.from({ length: 500 }, () => Math.round((Math.random() - 0.3) * 4e12));
    for (const ms of [...instants, ...instants.slice().sort()]) {
      const day = new Date(ms + 7 * 3_600_000).toISOString().slice(0, 10);
      expect([ms, todayInVietnam(new Date(ms))]).toEqual([ms, day]);
    }
  });
});

describe('isoInstant', () => {
  it('is toISOString, within a second and across seconds, days and extended years', () => {
    const instants = [
      0, 1, 9, 10, 99, 100, 999, 1000, -1, -999, -1000, -1001, 1_764_445_282_123, 253_402_300_799_999,
    ];
    instants.push(253_402_300_800_000, -62_167_219_200_001); // year 10000, year -1
    for (let i = 0; i < 2000; i++) instants.push(Math.round((Math.random() - 0.3) * 4e12));
    // In order and out of order: the second formatted last must not leak into the next.
    for (const ms of [...instants, ...instants.reverse()]) {
      expect([ms, isoInstant(new Date(ms))]).toEqual([ms, new Date(ms).toISOString()]);
    }
  });

  it('rejects an invalid Date, as toISOString does', () => {
    expect(() => isoInstant(new Date('nope'))).toThrow(RangeError);
  });
});

describe('vietnamDateOf', () => {
  it.each([
    ['2025-07-01', '2025-07-01'],
    ['2025-06-30T16:59:59Z', '2025-06-30'],
    ['2025-06-30T17:00:00Z', '2025-07-01'],
    ['2025-06-30T17:00:00.123456Z', '2025-07-01'],
    ['2025-07-01T00:30:00+07:00', '2025-07-01'],
    ['2025-07-01T06:59+07:00', '2025-07-01'],
    ['2025-07-01T00:00:00', null],
    ['2025-02-30', null],
    ['yesterday', null],
  ])('%s → %s', (value, expected) => {
    expect(vietnamDateOf(value)).toBe(expected);
  });
});
