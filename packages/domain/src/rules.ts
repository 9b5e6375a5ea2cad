/**
 * A broken domain rule, returned as a value rather than thrown, so the API can answer 422 and
 * name the rule (`rule`) and the site can show the reason in Vietnamese (`message`) or English
 * (`messageEn`). Rule ids are stable strings: clients may switch on them; never reword an id.
 */
export interface RuleViolation {
  rule: RuleId;
  /** Vietnamese, shown first. */
  message: string;
  messageEn: string;
}

/** Every rule id this package can return. */
export const RULE_IDS = [
  'score.not_finite',
  'score.part_range',
  'score.mandatory_levels',
  'stars.invalid',
  'stars.score_band',
  'stars.mandatory_criteria',
  'certification.date_invalid',
  'certification.no_period',
  'certification.not_certifiable',
  'certification.level',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export function violation(rule: RuleId, message: string, messageEn: string): RuleViolation {
  return { rule, message, messageEn };
}
