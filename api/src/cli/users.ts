/**
 * Accounts from the command line, for the first admin outside demo mode (where no default
 * credential exists):
 *
 *   npm run users -- create-admin <email> --name "<display name>"   (password read from OCOP_PASSWORD or stdin)
 *   npm run users -- list
 *
 * Reads the same configuration as the server and runs pending migrations first. The creation is
 * audited like any other change (actor: none, i.e. the operator's shell).
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { migrateToLatest } from '@ocop/db';
import { hashPassword } from '../auth/passwords.ts';
import { loadConfig } from '../config.ts';
import { configuredDb, runIfScript } from './common.ts';

const USAGE = `usage:
  npm run users -- create-admin <email> --name "<display name>"   (password from OCOP_PASSWORD or stdin, ≥ 12 characters)
  npm run users -- list`;

export async function main(
  argv: string[],
  out: (line: string) => void = console.log,
  readPassword: () => Promise<string> = async () => {
    if (process.env.OCOP_PASSWORD) return process.env.OCOP_PASSWORD;
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question('Password (≥ 12 characters): ');
    } finally {
      rl.close();
    }
  },
): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, rawEmail] = positionals;
  if (values.help || !command || !['create-admin', 'list'].includes(command)) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  const handle = configuredDb(config);
  try {
    await migrateToLatest(handle.db);
    if (command === 'list') {
      const rows = await handle.db
        .selectFrom('users')
        .select(['email', 'role', 'display_name', 'disabled_at'])
        .orderBy('email')
        .execute();
      for (const r of rows)
        out(`${r.role.padEnd(9)}  ${r.email}  ${r.display_name}${r.disabled_at ? '  (disabled)' : ''}`);
      return 0;
    }
    const email = (rawEmail ?? '').trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      out('error: give a valid email address');
      return 2;
    }
    const password = await readPassword();
    if (password.length < 12) {
      out('error: the password must have at least 12 characters');
      return 2;
    }
    const exists = await handle.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirst();
    if (exists) {
      out(`error: an account for ${email} already exists`);
      return 1;
    }
    await handle.db
      .insertInto('users')
      .values({
        email,
        password_hash: await hashPassword(password),
        display_name: values.name?.trim() || email,
        role: 'admin',
      })
      .execute();
    out(`created admin ${email}`);
    return 0;
  } finally {
    await handle.close();
  }
}

runIfScript(import.meta.url, main);
