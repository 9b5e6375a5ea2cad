import type { Migration } from 'kysely';
import * as referenceData from './20261129T020000Z-reference-data.ts';
import * as registry from './20261129T020100Z-registry.ts';
import * as auditLog from './20261129T020200Z-audit-log.ts';
import * as idempotency from './20261129T030000Z-idempotency.ts';
import * as reports from './20261129T033000Z-reports.ts';
import * as epcisEvents from './20261129T043000Z-epcis-events.ts';
import * as codes from './20261129T044000Z-codes.ts';
import * as findingsCases from './20261129T060000Z-findings-cases.ts';
import * as caseEventsOrder from './20261129T070000Z-case-events-order.ts';
import * as idempotencyLease from './20261129T080000Z-idempotency-lease.ts';
import * as securityAlerts from './20261129T080100Z-security-alerts.ts';
import * as labelJobs from './20261129T081000Z-label-jobs.ts';
import * as scaleIndexes from './20261129T083000Z-scale-indexes.ts';
import * as registryNotify from './20261129T082000Z-registry-notify.ts';
import * as codesFastChecks from './20261129T090000Z-codes-fast-checks.ts';
import * as scansLeanWrites from './20261129T092000Z-scans-lean-writes.ts';
import * as labelJobsLease from './20261129T093000Z-label-jobs-lease.ts';
import * as enumerationCounts from './20261129T094000Z-enumeration-counts.ts';

/**
 * Every migration, in order. Listed explicitly (not read from the folder) so they run the same
 * under tsx, vitest and bundles. Append new entries at the end; never rename or edit a landed one.
 */
export const migrations: Record<string, Migration> = {
  '20261129T020000Z-reference-data': referenceData,
  '20261129T020100Z-registry': registry,
  '20261129T020200Z-audit-log': auditLog,
  '20261129T030000Z-idempotency': idempotency,
  '20261129T033000Z-reports': reports,
  '20261129T043000Z-epcis-events': epcisEvents,
  '20261129T044000Z-codes': codes,
  '20261129T060000Z-findings-cases': findingsCases,
  '20261129T070000Z-case-events-order': caseEventsOrder,
  '20261129T080000Z-idempotency-lease': idempotencyLease,
  '20261129T080100Z-security-alerts': securityAlerts,
  '20261129T081000Z-label-jobs': labelJobs,
  '20261129T083000Z-scale-indexes': scaleIndexes,
  '20261129T082000Z-registry-notify': registryNotify,
  '20261129T090000Z-codes-fast-checks': codesFastChecks,
  '20261129T092000Z-scans-lean-writes': scansLeanWrites,
  '20261129T093000Z-label-jobs-lease': labelJobsLease,
  '20261129T094000Z-enumeration-counts': enumerationCounts,
};
