/**
 * OCOP star rating: from the 100-point scoring form to a star level.
 *
 * The form, its part maxima and its bands belong to a criteria set that the Prime Minister has
 * replaced before (1048/QĐ-TTg → 148/QĐ-TTg), so they are data here: a product scored in 2022 is
 * judged by the 2019 set, one scored today by the 2023 set. Pass the set in; never branch on ids.
 */
import { isIsoDate, isWithin } from './dates.ts';
import type { IsoDate } from './dates.ts';
import { violation } from './rules.ts';
import type { RuleViolation } from './rules.ts';

export type StarLevel = 1 | 2 | 3 | 4 | 5;

export interface StarBand {
  stars: StarLevel;
  /** Lowest total score (inclusive) that earns `stars`. */
  minScore: number;
}

export interface CriteriaSet {
  /** The decision that issued the set, e.g. '148/QĐ-TTg'. */
  id: string;
  name: string;
  /** First day the set applies (inclusive). */
  effectiveFrom: IsoDate;
  /** Last day the set applies (inclusive), null while in force. */
  effectiveTo: IsoDate | null;
  /** Maximum points of part A (product and community), B (marketing, story), C (quality). */
  partMax: { a: number; b: number; c: number };
  bands: StarBand[];
  /** Star levels from this one up are certified, may use the OCOP mark and carry mandatory criteria. */
  minCertifiedStars: 3;
}

/**
 * The five bands on the average total score of the council: 90–100 ⇒ 5★, 70–<90 ⇒ 4★,
 * 50–<70 ⇒ 3★, 30–<50 ⇒ 2★, under 30 ⇒ 1★. Quoted word for word from the 1048 text; 148 keeps five
 * tiers on 100 points, and Quảng Ngãi's plan 69/KH-UBND and 2025 council reports use the same cut-offs.
 * @see domain.md §1.3 (exact 148 wording of the 1★ and 2★ bands is UNCONFIRMED)
 */
const FIVE_BANDS: readonly StarBand[] = [
  { stars: 5, minScore: 90 },
  { stars: 4, minScore: 70 },
  { stars: 3, minScore: 50 },
  { stars: 2, minScore: 30 },
  { stars: 1, minScore: 0 },
];

/**
 * Decision 148/QĐ-TTg of 24/02/2023, in force from signing: A 40, B 25, C 35.
 * @see Decision 148/QĐ-TTg; domain.md §1.1–1.3
 */
export const CRITERIA_SET_148: CriteriaSet = {
  id: '148/QĐ-TTg',
  name: 'Bộ Tiêu chí và Quy trình đánh giá, phân hạng sản phẩm OCOP (Quyết định 148/QĐ-TTg ngày 24/02/2023)',
  effectiveFrom: '2023-02-24',
  effectiveTo: null,
  partMax: { a: 40, b: 25, c: 35 },
  bands: FIVE_BANDS.map((b) => ({ ...b })),
  minCertifiedStars: 3,
};

/**
 * Decision 1048/QĐ-TTg of 21/08/2019 (annexes amended by 781/QĐ-TTg of 08/06/2020), replaced by 148
 * on 24/02/2023: A 35, B 25, C 40.
 * @see Decision 1048/QĐ-TTg; domain.md §0, §1.2
 */
export const CRITERIA_SET_1048: CriteriaSet = {
  id: '1048/QĐ-TTg',
  name: 'Bộ Tiêu chí đánh giá, phân hạng sản phẩm OCOP (Quyết định 1048/QĐ-TTg ngày 21/08/2019)',
  effectiveFrom: '2019-08-21',
  effectiveTo: '2023-02-23',
  partMax: { a: 35, b: 25, c: 40 },
  bands: FIVE_BANDS.map((b) => ({ ...b })),
  minCertifiedStars: 3,
};

/** All known criteria sets, newest first. */
export const CRITERIA_SETS: readonly CriteriaSet[] = [CRITERIA_SET_148, CRITERIA_SET_1048];

/**
 * The criteria set in force on `date`, or null before the first one (21/08/2019).
 * @throws RangeError when `date` is not an ISO date.
 */
export function criteriaSetOn(
  date: IsoDate,
  sets: readonly CriteriaSet[] = CRITERIA_SETS,
): CriteriaSet | null {
  if (!isIsoDate(date)) throw new RangeError(`Not an ISO calendar date: ${JSON.stringify(date)}`);
  return sets.find((s) => isWithin(date, s.effectiveFrom, s.effectiveTo)) ?? null;
}

/** Highest possible total of a set (100 for both known sets). */
export function maxTotal(set: CriteriaSet): number {
  return set.partMax.a + set.partMax.b + set.partMax.c;
}

/**
 * Cancels binary floating-point noise in a sum of decimal scores: 32.41 + 21.99 + 15.6 is
 * 69.99999999999999 in IEEE doubles but 70 on paper, and must earn 4★. Council averages carry a few
 * decimals at most, so rounding at 1e-9 never moves a real score across a band.
 */
export function roundScore(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

function bandsDescending(set: CriteriaSet): StarBand[] {
  return [...set.bands].sort((x, y) => y.minScore - x.minScore);
}

/**
 * The star band of a total score, before any mandatory criteria.
 * @throws RangeError when `total` is not finite or is outside 0..maxTotal(set).
 */
export function starsFromScore(total: number, set: CriteriaSet): StarLevel {
  if (!Number.isFinite(total)) throw new RangeError(`Score is not a finite number: ${total}`);
  const t = roundScore(total);
  if (t < 0 || t > maxTotal(set)) throw new RangeError(`Score ${total} outside 0..${maxTotal(set)}`);
  const band = bandsDescending(set).find((b) => t >= b.minScore);
  if (!band) throw new RangeError(`No band of ${set.id} covers score ${total}`);
  return band.stars;
}

/** Human wording of a band, for messages: 'từ 70 đến dưới 90 điểm' / 'from 70 to under 90 points'. */
export function bandLabel(stars: StarLevel, set: CriteriaSet): { vi: string; en: string } {
  const sorted = bandsDescending(set);
  const i = sorted.findIndex((b) => b.stars === stars);
  const band = sorted[i];
  if (!band) return { vi: `không có hạng ${stars} sao`, en: `no ${stars}-star band` };
  const above = sorted[i - 1];
  if (!above) return { vi: `từ ${band.minScore} điểm trở lên`, en: `${band.minScore} points or more` };
  return {
    vi: `từ ${band.minScore} đến dưới ${above.minScore} điểm`,
    en: `from ${band.minScore} to under ${above.minScore} points`,
  };
}

export interface ScoreInput {
  scoreA: number;
  scoreB: number;
  scoreC: number;
  /** Star levels (3, 4, 5) whose mandatory criteria ("tiêu chí bắt buộc") the product all passes. */
  mandatoryPassed: number[];
}

export interface ScoreEvaluationOk {
  ok: true;
  criteriaSetId: string;
  /** A + B + C, rounded by {@link roundScore}. */
  total: number;
  /** The band of the total alone. */
  scoreStars: StarLevel;
  /** The level actually earned: the band, lowered until the mandatory criteria hold. */
  stars: StarLevel;
  /** stars ≥ minCertifiedStars: gets a certificate and may use the OCOP mark. */
  certified: boolean;
  /** True when failed mandatory criteria cost the product stars its score would have given. */
  limitedByMandatory: boolean;
}

export type ScoreEvaluationError = { ok: false } & RuleViolation;

export type ScoreEvaluation = ScoreEvaluationOk | ScoreEvaluationError;

function isStarLevel(n: number): n is StarLevel {
  return n === 1 || n === 2 || n === 3 || n === 4 || n === 5;
}

/**
 * Scores a product: the band of A + B + C, then the mandatory criteria. A star level needs every
 * mandatory criterion of that level whatever the score (Đồng Tháp: products failing the 3★
 * mandatory criteria of 148 lost their certificates, domain.md §1.2).
 *
 * Mandatory criteria are read as cumulative: a product earns level L only if it passes the
 * mandatory criteria of L and of every certified level below it (a 4★ product must also meet
 * the 3★ minimum). Levels below `minCertifiedStars` have none. So stars = the highest L ≤ scoreStars
 * with all of minCertifiedStars..L in `mandatoryPassed`; otherwise minCertifiedStars − 1 (2★) at
 * most. INFERRED: the 148 scoring sheets (Phụ lục III) were not available to confirm nesting.
 * @see Decision 148/QĐ-TTg, Phụ lục III (mandatory criteria per star level)
 */
export function evaluateScores(input: ScoreInput, set: CriteriaSet): ScoreEvaluation {
  const parts = [
    ['A', input.scoreA, set.partMax.a],
    ['B', input.scoreB, set.partMax.b],
    ['C', input.scoreC, set.partMax.c],
  ] as const;
  for (const [part, score] of parts) {
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      return {
        ok: false,
        ...violation(
          'score.not_finite',
          `Điểm phần ${part} không phải là một số hợp lệ.`,
          `Part ${part} score is not a finite number.`,
        ),
      };
    }
  }
  for (const [part, score, max] of parts) {
    if (score < 0 || score > max) {
      return {
        ok: false,
        ...violation(
          'score.part_range',
          `Điểm phần ${part} phải từ 0 đến ${max} theo ${set.id} (nhận được ${score}).`,
          `Part ${part} score must be between 0 and ${max} under ${set.id} (got ${score}).`,
        ),
      };
    }
  }
  const passed = new Set<number>();
  for (const level of input.mandatoryPassed) {
    if (!Number.isInteger(level) || level < set.minCertifiedStars || level > 5) {
      return {
        ok: false,
        ...violation(
          'score.mandatory_levels',
          `Hạng sao đạt tiêu chí bắt buộc phải là ${set.minCertifiedStars}, 4 hoặc 5 (nhận được ${level}).`,
          `Levels passing mandatory criteria must be ${set.minCertifiedStars}, 4 or 5 (got ${level}).`,
        ),
      };
    }
    passed.add(level);
  }

  const total = roundScore(input.scoreA + input.scoreB + input.scoreC);
  const scoreStars = starsFromScore(total, set);
  let stars: StarLevel = scoreStars;
  for (let level = set.minCertifiedStars; level <= scoreStars; level++) {
    if (!passed.has(level)) {
      const capped = level - 1;
      stars = isStarLevel(capped) ? capped : 1;
      break;
    }
  }
  return {
    ok: true,
    criteriaSetId: set.id,
    total,
    scoreStars,
    stars,
    certified: stars >= set.minCertifiedStars,
    limitedByMandatory: stars < scoreStars,
  };
}

/**
 * Checks the star level a caller claims (e.g. when recording an evaluation result or a
 * certificate) against the evaluation of its scores. Returns the broken rule, or null if the claim
 * is exactly what the scores and mandatory criteria give: claiming more is a false claim, claiming
 * fewer contradicts the band.
 */
export function checkClaimedStars(claimed: number, evaluation: ScoreEvaluation): RuleViolation | null {
  if (!evaluation.ok) {
    return violation(evaluation.rule, evaluation.message, evaluation.messageEn);
  }
  if (!isStarLevel(claimed)) {
    return violation(
      'stars.invalid',
      `Hạng sao phải là số nguyên từ 1 đến 5 (nhận được ${claimed}).`,
      `Stars must be an integer from 1 to 5 (got ${claimed}).`,
    );
  }
  const { total, scoreStars, stars } = evaluation;
  if (claimed > scoreStars) {
    return violation(
      'stars.score_band',
      `Tổng điểm ${total} chỉ thuộc hạng ${scoreStars} sao, không đủ cho ${claimed} sao.`,
      `A total of ${total} points falls in the ${scoreStars}-star band, too low for ${claimed} stars.`,
    );
  }
  if (claimed < stars) {
    return violation(
      'stars.score_band',
      `Tổng điểm ${total} và các tiêu chí bắt buộc cho hạng ${stars} sao, không phải ${claimed} sao.`,
      `A total of ${total} points with its mandatory criteria gives ${stars} stars, not ${claimed}.`,
    );
  }
  if (claimed > stars) {
    return violation(
      'stars.mandatory_criteria',
      `Tổng điểm ${total} đạt mức ${scoreStars} sao nhưng sản phẩm chưa đạt đủ tiêu chí bắt buộc của hạng ${claimed} sao; hạng được công nhận là ${stars} sao.`,
      `A total of ${total} points reaches ${scoreStars} stars, but the product fails the mandatory criteria of ${claimed} stars; it earns ${stars} stars.`,
    );
  }
  return null;
}
