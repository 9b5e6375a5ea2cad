import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import {
  createDb,
  migrateToLatest,
  seedAdminUnits,
  seedDemo,
  syncReferenceData,
  type Database,
  type DbHandle,
} from '@ocop/db';
import { todayInVietnam } from '@ocop/domain';
import { hashPassword } from '../auth/passwords.ts';
import type { Config } from '../config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>;
    dbHandle: DbHandle;
  }
}

/**
 * Opens the database (PGlite by default, PostgreSQL with DATABASE_URL), runs migrations and the
 * reference-data sync at start (and the demo seed in demo mode), and closes it when the app closes.
 * Pool errors of idle connections are logged, never thrown, so a database restart never kills the
 * process.
 */
export const dbPlugin = fp(
  async (app: FastifyInstance, opts: { config: Config; handle?: DbHandle }) => {
    const handle =
      opts.handle ??
      createDb({
        databaseUrl: opts.config.databaseUrl,
        dataDir: opts.config.dataDir === 'memory' ? 'memory' : `${opts.config.dataDir}/pglite`,
        onPoolError: (err) => app.log.warn({ err: err.message }, 'database connection lost; will reconnect'),
        statementTimeoutMs: opts.config.dbStatementTimeoutMs,
        queryTimeoutMs: opts.config.dbQueryTimeoutMs,
      });
    await migrateToLatest(handle.db);
    // Reference data mirrors @ocop/domain at every start; admin units are inserted once.
    await syncReferenceData(handle.db);
    await seedAdminUnits(handle.db);
    if (opts.config.demoMode) {
      const summary = await seedDemo(handle.db, { hashPassword, today: todayInVietnam(new Date()) });
      app.log.info(summary, summary.seeded ? 'demo data seeded' : 'demo data already present');
    }
    app.decorate('db', handle.db);
    app.decorate('dbHandle', handle);
    app.addHook('onClose', async () => {
      if (!opts.handle) await handle.close();
    });
  },
  { name: 'db' },
);
