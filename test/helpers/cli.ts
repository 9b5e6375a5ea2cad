import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDb, onPostgres, type TestDb } from './db.ts';

/**
 * The environment of a command-line tool test: the server's configuration outside demo mode, on a
 * fresh PostgreSQL database (unmigrated: the tool migrates) or an embedded one in a temporary
 * DATA_DIR. `restore` puts the environment back and removes both.
 */
export async function cliEnvironment(
  name: string,
  secrets: { kek: number; auth: number },
): Promise<{ dir: string; db: TestDb | undefined; restore(): Promise<void> }> {
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), `ocop-${name}-`));
  process.env.DEMO_MODE = 'false';
  process.env.KEY_ENCRYPTION_KEY = Buffer.alloc(32, secrets.kek).toString('base64');
  process.env.AUTH_TOKEN_SECRET = Buffer.alloc(32, secrets.auth).toString('base64');
  process.env.DATA_DIR = dir;
  let db: TestDb | undefined;
  if (onPostgres) {
    db = await createTestDb({ migrate: false });
    process.env.DATABASE_URL = db.url;
  } else {
    delete process.env.DATABASE_URL;
  }
  return {
    dir,
    db,
    restore: async () => {
      process.env = saved;
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
