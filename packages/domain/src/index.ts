/**
 * @ocop/domain: the pure OCOP rules (no IO, no Node-only APIs; also runs in the browser).
 * Rules the law has changed (criteria sets, certifying levels, taxonomy) are versioned data.
 */
export * from './dates.ts';
export * from './rules.ts';
export * from './stars.ts';
export * from './levels.ts';
export * from './validity.ts';
export * from './issuance.ts';
export * from './gtin.ts';
export * from './zones.ts';
export * from './fold.ts';
export * from './admin-units.ts';
export * from './producers.ts';
export * from './taxonomy.ts';
export * from './verify.ts';
export * from './linkset.ts';
export * from './epcis.ts';
