import { describe, it, expect } from 'vitest';
import * as domain from './index.ts';

// The names other packages import from '@ocop/domain': renaming one breaks them.
describe('public API of @ocop/domain', () => {
  it.each([
    'isIsoDate',
    'addMonths',
    'addDays',
    'compareDates',
    'daysBetween',
    'todayInVietnam',
    'criteriaSetOn',
    'starsFromScore',
    'evaluateScores',
    'checkClaimedStars',
    'certifyingLevel',
    'checkCertifyingLevel',
    'defaultAuthority',
    'certificateValidTo',
    'renewalDueOn',
    'isRenewalDue',
    'certificateStateOn',
    'wasValidOn',
    'isValidOn',
    'mayIssueCodes',
    'gtinCheckDigit',
    'isValidGtin',
    'toGtin14',
    'isVietnameseGtin',
    'checkZoneCode',
    'foldVietnamese',
    'matchesQuery',
    'isUnitValidOn',
    'ancestryOn',
    'currentSuccessors',
    'isValidTaxCode',
    'categoryPath',
  ])('exports function %s', (name) => {
    expect(typeof (domain as Record<string, unknown>)[name]).toBe('function');
  });

  it.each([
    ['CERTIFICATE_VALIDITY_MONTHS', 36],
    ['RENEWAL_NOTICE_DAYS', 30],
  ])('exports %s = %j', (name, value) => {
    expect((domain as Record<string, unknown>)[name]).toBe(value);
  });

  it.each([
    'CRITERIA_SET_148',
    'CRITERIA_SET_1048',
    'CRITERIA_SETS',
    'CERTIFYING_PERIODS',
    'REVOCATION_REASONS',
    'ZONE_SCHEMES',
    'PRODUCER_KINDS',
    'TAXONOMY_148',
  ])('exports data %s', (name) => {
    expect((domain as Record<string, unknown>)[name]).toBeDefined();
  });
});
