import { describe, it, expect } from 'vitest';
import {
  CRITERIA_SET_1048,
  CRITERIA_SET_148,
  CRITERIA_SETS,
  bandLabel,
  checkClaimedStars,
  criteriaSetOn,
  evaluateScores,
  maxTotal,
  starsFromScore,
} from './stars.ts';
import type { ScoreEvaluation, ScoreInput } from './stars.ts';

describe('criteria sets', () => {
  it('148 and 1048 carry their part maxima and total 100', () => {
    expect(CRITERIA_SET_148.partMax).toEqual({ a: 40, b: 25, c: 35 });
    expect(CRITERIA_SET_1048.partMax).toEqual({ a: 35, b: 25, c: 40 });
    expect(maxTotal(CRITERIA_SET_148)).toBe(100);
    expect(maxTotal(CRITERIA_SET_1048)).toBe(100);
    expect(CRITERIA_SETS.map((s) => s.id)).toEqual(['148/QĐ-TTg', '1048/QĐ-TTg']);
  });

  it.each([
    ['2019-08-20', null],
    ['2019-08-21', '1048/QĐ-TTg'],
    ['2023-02-23', '1048/QĐ-TTg'],
    ['2023-02-24', '148/QĐ-TTg'],
    ['2025-07-05', '148/QĐ-TTg'],
    ['2025-07-06', '148/QĐ-TTg'],
    ['2030-01-01', '148/QĐ-TTg'],
  ])('criteriaSetOn(%s) → %s', (date, id) => {
    expect(criteriaSetOn(date)?.id ?? null).toBe(id);
  });

  it('criteriaSetOn rejects a non-date', () => {
    expect(() => criteriaSetOn('24/02/2023')).toThrow(RangeError);
  });
});

describe('starsFromScore', () => {
  it.each([
    [0, 1],
    [29.99, 1],
    [30, 2],
    [49.99, 2],
    [50, 3],
    [69.99, 3],
    [70, 4],
    [89.99, 4],
    [90, 5],
    [100, 5],
    [69.99999999999999, 4], // 32.41 + 21.99 + 15.6 in IEEE doubles
  ])('%s points → %i★ (148)', (total, stars) => {
    expect(starsFromScore(total, CRITERIA_SET_148)).toBe(stars);
  });

  it.each([[-0.01], [100.01], [Number.NaN], [Number.POSITIVE_INFINITY]])('rejects %s', (total) => {
    expect(() => starsFromScore(total, CRITERIA_SET_148)).toThrow(RangeError);
  });

  it('does not depend on the order of the bands in the data', () => {
    const shuffled = { ...CRITERIA_SET_148, bands: [...CRITERIA_SET_148.bands].reverse() };
    expect(starsFromScore(70, shuffled)).toBe(4);
    expect(starsFromScore(69.99, shuffled)).toBe(3);
  });

  it.each([
    [5, 'từ 90 điểm trở lên'],
    [4, 'từ 70 đến dưới 90 điểm'],
    [1, 'từ 0 đến dưới 30 điểm'],
  ] as const)('bandLabel(%i)', (stars, vi) => {
    expect(bandLabel(stars, CRITERIA_SET_148).vi).toBe(vi);
  });
});

const ALL = [3, 4, 5];

describe('evaluateScores', () => {
  type Case = [string, ScoreInput, Partial<ScoreEvaluation>];
  const cases: Case[] = [
    [
      'top score, all mandatory',
      { scoreA: 40, scoreB: 25, scoreC: 35, mandatoryPassed: ALL },
      { ok: true, total: 100, scoreStars: 5, stars: 5, certified: true, limitedByMandatory: false },
    ],
    [
      '89.99 is 4★',
      { scoreA: 39.99, scoreB: 20, scoreC: 30, mandatoryPassed: ALL },
      { ok: true, total: 89.99, scoreStars: 4, stars: 4, certified: true, limitedByMandatory: false },
    ],
    [
      '90 is 5★',
      { scoreA: 40, scoreB: 20, scoreC: 30, mandatoryPassed: ALL },
      { ok: true, total: 90, scoreStars: 5, stars: 5, certified: true },
    ],
    [
      'float noise: 32.41 + 21.99 + 15.6 = 70 ⇒ 4★',
      { scoreA: 32.41, scoreB: 21.99, scoreC: 15.6, mandatoryPassed: ALL },
      { ok: true, total: 70, scoreStars: 4, stars: 4 },
    ],
    [
      '69.99 is 3★',
      { scoreA: 30, scoreB: 19.99, scoreC: 20, mandatoryPassed: ALL },
      { ok: true, total: 69.99, scoreStars: 3, stars: 3, certified: true },
    ],
    [
      '50 is 3★ and certified',
      { scoreA: 20, scoreB: 10, scoreC: 20, mandatoryPassed: [3] },
      { ok: true, total: 50, scoreStars: 3, stars: 3, certified: true, limitedByMandatory: false },
    ],
    [
      '49.99 is 2★, not certified, needs no mandatory criteria',
      { scoreA: 20, scoreB: 9.99, scoreC: 20, mandatoryPassed: [] },
      { ok: true, total: 49.99, scoreStars: 2, stars: 2, certified: false, limitedByMandatory: false },
    ],
    [
      '30 is 2★',
      { scoreA: 10, scoreB: 10, scoreC: 10, mandatoryPassed: [] },
      { ok: true, total: 30, scoreStars: 2, stars: 2, certified: false },
    ],
    [
      '29.99 is 1★',
      { scoreA: 10, scoreB: 9.99, scoreC: 10, mandatoryPassed: [] },
      { ok: true, total: 29.99, scoreStars: 1, stars: 1, certified: false },
    ],
    [
      'zero is 1★',
      { scoreA: 0, scoreB: 0, scoreC: 0, mandatoryPassed: [] },
      { ok: true, total: 0, scoreStars: 1, stars: 1, certified: false },
    ],
    [
      '95 points but 5★ mandatory failed ⇒ 4★',
      { scoreA: 38, scoreB: 24, scoreC: 33, mandatoryPassed: [3, 4] },
      { ok: true, total: 95, scoreStars: 5, stars: 4, certified: true, limitedByMandatory: true },
    ],
    [
      '95 points but 4★ mandatory failed ⇒ 3★ even if 5★ ones pass (cumulative)',
      { scoreA: 38, scoreB: 24, scoreC: 33, mandatoryPassed: [3, 5] },
      { ok: true, total: 95, scoreStars: 5, stars: 3, certified: true, limitedByMandatory: true },
    ],
    [
      '75 points, 3★ mandatory failed ⇒ 2★, not certified',
      { scoreA: 30, scoreB: 20, scoreC: 25, mandatoryPassed: [4, 5] },
      { ok: true, total: 75, scoreStars: 4, stars: 2, certified: false, limitedByMandatory: true },
    ],
    [
      'no mandatory criteria passed at 60 ⇒ 2★',
      { scoreA: 25, scoreB: 15, scoreC: 20, mandatoryPassed: [] },
      { ok: true, total: 60, scoreStars: 3, stars: 2, certified: false, limitedByMandatory: true },
    ],
    [
      'passing higher levels than the score gives does not raise stars',
      { scoreA: 20, scoreB: 15, scoreC: 20, mandatoryPassed: ALL },
      { ok: true, total: 55, scoreStars: 3, stars: 3, limitedByMandatory: false },
    ],
    [
      'part A over 40 under 148',
      { scoreA: 40.01, scoreB: 20, scoreC: 20, mandatoryPassed: ALL },
      { ok: false, rule: 'score.part_range' },
    ],
    [
      'part C over 35 under 148',
      { scoreA: 30, scoreB: 20, scoreC: 36, mandatoryPassed: ALL },
      { ok: false, rule: 'score.part_range' },
    ],
    [
      'negative part B',
      { scoreA: 30, scoreB: -1, scoreC: 30, mandatoryPassed: ALL },
      { ok: false, rule: 'score.part_range' },
    ],
    [
      'NaN part',
      { scoreA: Number.NaN, scoreB: 20, scoreC: 30, mandatoryPassed: ALL },
      { ok: false, rule: 'score.not_finite' },
    ],
    [
      'Infinity part',
      { scoreA: 30, scoreB: 20, scoreC: Number.POSITIVE_INFINITY, mandatoryPassed: ALL },
      { ok: false, rule: 'score.not_finite' },
    ],
    [
      'unknown mandatory level',
      { scoreA: 30, scoreB: 20, scoreC: 30, mandatoryPassed: [2, 3] },
      { ok: false, rule: 'score.mandatory_levels' },
    ],
    [
      'non-integer mandatory level',
      { scoreA: 30, scoreB: 20, scoreC: 30, mandatoryPassed: [3.5] },
      { ok: false, rule: 'score.mandatory_levels' },
    ],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    const result = evaluateScores(input, CRITERIA_SET_148);
    expect(result).toMatchObject(expected);
    if (!result.ok) {
      expect(result.message.length).toBeGreaterThan(0);
      expect(result.messageEn.length).toBeGreaterThan(0);
    }
  });

  it.each([
    [{ scoreA: 36, scoreB: 20, scoreC: 30 }, '148/QĐ-TTg', true],
    [{ scoreA: 36, scoreB: 20, scoreC: 30 }, '1048/QĐ-TTg', false],
    [{ scoreA: 30, scoreB: 20, scoreC: 38 }, '148/QĐ-TTg', false],
    [{ scoreA: 30, scoreB: 20, scoreC: 38 }, '1048/QĐ-TTg', true],
  ])('part maxima follow the set: %j under %s → ok %s', (scores, setId, ok) => {
    const set = setId === '148/QĐ-TTg' ? CRITERIA_SET_148 : CRITERIA_SET_1048;
    const result = evaluateScores({ ...scores, mandatoryPassed: ALL }, set);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.rule).toBe('score.part_range');
  });

  it('reports the criteria set it used', () => {
    const result = evaluateScores(
      { scoreA: 30, scoreB: 20, scoreC: 30, mandatoryPassed: ALL },
      CRITERIA_SET_1048,
    );
    expect(result).toMatchObject({ ok: true, criteriaSetId: '1048/QĐ-TTg', total: 80, stars: 4 });
  });
});

describe('checkClaimedStars', () => {
  // Spread a total over A (≤40), B (≤25) and C (≤35).
  const at = (total: number, mandatoryPassed: number[]) => {
    const scoreA = Math.min(total, 40);
    const scoreB = Math.min(total - scoreA, 25);
    const scoreC = total - scoreA - scoreB;
    return evaluateScores({ scoreA, scoreB, scoreC, mandatoryPassed }, CRITERIA_SET_148);
  };

  it.each([
    // [claimed, total, mandatoryPassed, expected rule or null]
    [4, 75, ALL, null],
    [5, 75, ALL, 'stars.score_band'],
    [3, 75, ALL, 'stars.score_band'],
    [5, 89.99, ALL, 'stars.score_band'],
    [5, 90, ALL, null],
    [3, 50, [3], null],
    [3, 49.99, ALL, 'stars.score_band'],
    [5, 95, [3, 4], 'stars.mandatory_criteria'],
    [4, 95, [3, 4], null],
    [3, 95, [3, 4], 'stars.score_band'],
    [3, 60, [], 'stars.mandatory_criteria'],
    [2, 60, [], null],
    [1, 29.99, [], null],
    [0, 60, ALL, 'stars.invalid'],
    [3.5, 60, ALL, 'stars.invalid'],
    [6, 60, ALL, 'stars.invalid'],
  ])('claim %s★ at %s points, mandatory %j → %s', (claimed, total, passed, rule) => {
    expect(checkClaimedStars(claimed, at(total, passed))?.rule ?? null).toBe(rule);
  });

  it('passes on the rule of a failed evaluation', () => {
    const bad = evaluateScores({ scoreA: 41, scoreB: 0, scoreC: 0, mandatoryPassed: [] }, CRITERIA_SET_148);
    expect(checkClaimedStars(3, bad)?.rule).toBe('score.part_range');
  });

  it('names the levels in both languages', () => {
    const v = checkClaimedStars(5, at(95, [3, 4]));
    expect(v?.message).toContain('5 sao');
    expect(v?.messageEn).toContain('4 stars');
  });
});
