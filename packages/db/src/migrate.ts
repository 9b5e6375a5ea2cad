import { Migrator, type Kysely, type MigrationResultSet } from 'kysely';
import { migrations } from '@ocop/migrations';
import type { Database } from './schema.ts';

/** Apply every pending migration; throws with the failing migration's name on error. */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const err = result.error instanceof Error ? result.error : new Error(JSON.stringify(result.error));
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${err.message}`, { cause: err });
  }
  return result;
}
