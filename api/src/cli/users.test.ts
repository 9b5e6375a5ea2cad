import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { verifyPassword } from '../auth/passwords.ts';
import { createDb } from '@ocop/db';
import { main } from './users.ts';

const dir = mkdtempSync(join(tmpdir(), 'ocop-users-'));
vi.stubEnv('DATA_DIR', dir);
vi.stubEnv('DATABASE_URL', '');
afterAll(() => vi.unstubAllEnvs());

describe('npm run users', () => {
  it('creates the first admin, refuses a duplicate, a short password and a bad email', async () => {
    const lines: string[] = [];
    const out = (l: string) => lines.push(l);
    expect(
      await main(
        ['create-admin', 'Chanh.Van@sonnmt.quangngai.gov.vn', '--name', 'Chánh Văn phòng'],
        out,
        async () => 'a long passphrase',
      ),
    ).toBe(0);
    expect(
      await main(['create-admin', 'chanh.van@sonnmt.quangngai.gov.vn'], out, async () => 'a long passphrase'),
    ).toBe(1);
    expect(await main(['create-admin', 'x@y.vn'], out, async () => 'short')).toBe(2);
    expect(await main(['create-admin', 'not-an-email'], out, async () => 'a long passphrase')).toBe(2);
    expect(lines).toEqual([
      'created admin chanh.van@sonnmt.quangngai.gov.vn',
      'error: an account for chanh.van@sonnmt.quangngai.gov.vn already exists',
      'error: the password must have at least 12 characters',
      'error: give a valid email address',
    ]);
    const h = createDb({ dataDir: join(dir, 'pglite') });
    const row = await h.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    await h.close();
    expect(row).toMatchObject({ role: 'admin', display_name: 'Chánh Văn phòng', disabled_at: null });
    expect(await verifyPassword('a long passphrase', row.password_hash)).toBe(true);
  });
});
