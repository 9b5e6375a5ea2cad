import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../api/src/cli/keys.ts';
import { cliEnvironment } from './helpers/cli.ts';

/**
 * `npm run keys -- list|rotate|revoke`: the command-line twin of the admin API, on the database the
 * configuration names (a fresh PostgreSQL database, or an embedded one in a temporary folder).
 */
let env: Awaited<ReturnType<typeof cliEnvironment>>;

beforeAll(async () => {
  env = await cliEnvironment('keys-cli', { kek: 3, auth: 4 });
});
afterAll(async () => env?.restore());

async function run(...args: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await main(args, (l) => out.push(l));
  return { code, out };
}

describe('npm run keys', () => {
  it('lists, rotates and revokes, never printing private material', { timeout: 120_000 }, async () => {
    const first = await run('list');
    expect(first.code).toBe(0);
    expect(first.out).toHaveLength(1);
    expect(first.out[0]).toMatch(/^active\s+[A-Za-z0-9_-]{43}\s+k=[A-Za-z0-9_-]{8}/);
    const firstKid = first.out[0]!.split(/\s+/)[1]!;

    const rotated = await run('rotate');
    expect(rotated.code).toBe(0);
    expect(rotated.out.join('\n')).toContain(`retired:        retired  ${firstKid}`);

    const revoked = await run(
      'revoke',
      firstKid,
      '--reason',
      'lộ khóa (thử nghiệm)',
      '--compromised-at',
      '2026-01-01T00:00:00Z',
    );
    expect(revoked.code).toBe(0);
    expect(revoked.out[0]).toContain('compromised from 2026-01-01T00:00:00.000Z');

    const list = await run('list');
    expect(list.out.map((l) => l.split(/\s+/)[0]).sort()).toEqual(['active', 'revoked']);
    expect(list.out.join('\n')).not.toMatch(/"d"|private|eyJ/);

    expect((await run('revoke', firstKid, '--reason', 'again')).code).toBe(1);
    expect((await run('revoke', firstKid)).code).toBe(2);
    expect((await run('revoke', firstKid, '--reason', 'x', '--compromised-at', 'yesterday')).code).toBe(2);
    expect((await run('nonsense')).code).toBe(2);
    // A key id may begin with '-' (one in 64 do): it is read as a key id, not as an option.
    const unknown = await run('revoke', `-${'A'.repeat(42)}`, '--reason', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.out.join('\n')).toContain(`-${'A'.repeat(42)}`);
  });
});
