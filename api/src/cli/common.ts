import { createDb, migrateToLatest, type DbHandle } from '@ocop/db';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';

/** The database the configuration names, as the server opens it (without its query timeouts). */
export function configuredDb(config: Readonly<Config>): DbHandle {
  return createDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir === 'memory' ? 'memory' : `${config.dataDir}/pglite`,
  });
}

/**
 * Opens and migrates the configured database, runs `work` on it and closes it; an `AppError` is
 * printed as `error: …` and exits 1.
 */
export async function withConfiguredDb(
  config: Readonly<Config>,
  out: (line: string) => void,
  work: (handle: DbHandle) => Promise<number>,
): Promise<number> {
  const handle = configuredDb(config);
  try {
    await migrateToLatest(handle.db);
    return await work(handle);
  } catch (err) {
    if (err instanceof AppError) {
      out(`error: ${err.detail ?? err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await handle.close();
  }
}

/** Runs a command's `main` when its module is the script node was started with; exits with its code. */
export function runIfScript(moduleUrl: string, main: (argv: string[]) => Promise<number>): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
