import type { FastifyInstance } from 'fastify';
import type { Role } from '@ocop/db';
import { buildApp } from '../../api/src/app.ts';
import { testConfig, type Config } from '../../api/src/config.ts';
import { hashPassword } from '../../api/src/auth/passwords.ts';
import { createTestDb, type TestDb } from './db.ts';

export interface TestApp {
  app: FastifyInstance;
  db: TestDb;
  close(): Promise<void>;
}

/** A freshly built app on its own database (PGlite in memory, or a fresh PostgreSQL database). */
export async function buildTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const db = await createTestDb();
  const app = await buildApp(testConfig(overrides), { db });
  await app.ready();
  return {
    app,
    db,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

let userSeq = 0;
/** Create a user directly in the database and return it with a bearer token. */
export async function createUser(
  app: FastifyInstance,
  role: Role,
  binding: { producerId?: string; adminUnitId?: string } = {},
  password = 'correct horse battery staple',
): Promise<{ id: string; email: string; password: string; token: string; authorization: string }> {
  userSeq += 1;
  const email = `${role}-${userSeq}-${Date.now()}@test.ocop.vn`;
  const row = await app.db
    .insertInto('users')
    .values({
      email,
      password_hash: await hashPassword(password),
      display_name: `Test ${role} ${userSeq}`,
      role,
      producer_id: binding.producerId ?? null,
      admin_unit_id: binding.adminUnitId ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { token } = await app.issueAccessToken(row.id);
  return { id: row.id, email, password, token, authorization: `Bearer ${token}` };
}
