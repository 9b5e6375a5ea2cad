import { parseArgs } from 'node:util';
import { createDb } from '@ocop/db';
import { ConfigError, loadConfig } from '../config.ts';
import { DEFAULT_REPORT_DAYS, DEFAULT_SCAN_DAYS, runRetention } from '../jobs/retention.ts';

/**
 * `npm run retention -- [--scan-days 90] [--report-days 365] [--dry-run]`: erase personal data
 * past its retention period (api/src/jobs/retention.ts) in the configured database. Meant for a
 * daily cron job or systemd timer beside the server; prints what it erased.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'scan-days': { type: 'string', default: String(DEFAULT_SCAN_DAYS) },
      'report-days': { type: 'string', default: String(DEFAULT_REPORT_DAYS) },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const handle = createDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir === 'memory' ? 'memory' : `${config.dataDir}/pglite`,
  });
  try {
    const result = await runRetention(handle.db, {
      scanDays: Number(values['scan-days']),
      reportDays: Number(values['report-days']),
      dryRun: values['dry-run'],
    });
    const verb = result.dryRun ? 'would erase' : 'erased';
    console.log(
      `retention: ${verb} device hash/position of ${result.scans ?? 0} scans before ${result.scanCutoff}` +
        `${result.scans === null ? ' (no scans table)' : ''}; ` +
        `${verb} contact/place/details of ${result.reports} reports before ${result.reportCutoff}`,
    );
  } finally {
    await handle.close();
  }
}

main().catch((err: unknown) => {
  console.error('retention failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
