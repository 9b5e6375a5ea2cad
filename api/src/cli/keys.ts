/**
 * Code-signing keys from the command line (the same operations as the admin API):
 *
 *   npm run keys -- list
 *   npm run keys -- rotate
 *   npm run keys -- revoke <kid> --reason "<why>" [--compromised-at 2026-11-20T08:00:00Z]
 *
 * Reads the same configuration as the server (DATABASE_URL or the embedded database in DATA_DIR,
 * KEY_ENCRYPTION_KEY), runs pending migrations, and creates the first key if there is none.
 * A running server picks up the change within a minute (its key cache), or at once for codes
 * whose key it does not know yet. Never prints private key material.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { runIfScript, withConfiguredDb } from './common.ts';
import { ensureActiveKey, listKeys, revokeKey, rotateKeys, type KeyRecord } from '../plugins/keys.ts';
import { resolveSecrets } from '../plugins/secrets.ts';

const USAGE = `usage:
  npm run keys -- list
  npm run keys -- rotate
  npm run keys -- revoke <kid> --reason "<why>" [--compromised-at <ISO date-time>]`;

function show(k: KeyRecord): string {
  const dates = [
    `created ${k.createdAt}`,
    k.retiredAt ? `retired ${k.retiredAt}` : '',
    k.revokedAt
      ? `revoked ${k.revokedAt} (compromised from ${k.compromisedAt ?? '?'}: ${k.revocationReason ?? ''})`
      : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${k.status.padEnd(7)}  ${k.kid}  k=${k.keyRef}  ${dates}`;
}

/** A key id: a 43-character thumbprint, which can begin with `-` (one in 64 does). */
const KID = /^[A-Za-z0-9_-]{43}$/;
const VALUED_OPTIONS = new Set(['--reason', '--compromised-at']);

/** `argv` with every key id that begins with `-` moved after `--`, so that it is never read as an option. */
function kidsAsPositionals(argv: readonly string[]): string[] {
  if (argv.includes('--')) return [...argv];
  const isDashKid = (a: string, i: number) =>
    a.startsWith('-') && KID.test(a) && !VALUED_OPTIONS.has(argv[i - 1] ?? '');
  const kids = argv.filter(isDashKid);
  return kids.length === 0 ? [...argv] : [...argv.filter((a, i) => !isDashKid(a, i)), '--', ...kids];
}

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { positionals, values } = parseArgs({
    args: kidsAsPositionals(argv),
    allowPositionals: true,
    options: {
      reason: { type: 'string' },
      'compromised-at': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, kid] = positionals;
  if (values.help || !command || !['list', 'rotate', 'revoke'].includes(command)) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  const { keyEncryptionKey } = resolveSecrets(config);
  return withConfiguredDb(config, out, async (handle) => {
    await ensureActiveKey(handle.db, keyEncryptionKey);
    if (command === 'rotate') {
      const { active, retired } = await rotateKeys(handle.db, keyEncryptionKey, null);
      out(`new active key: ${show(active)}`);
      if (retired) out(`retired:        ${show(retired)}`);
    } else if (command === 'revoke') {
      if (!kid || !values.reason) {
        out(USAGE);
        return 2;
      }
      let compromisedAt: Date | undefined;
      if (values['compromised-at'] !== undefined) {
        compromisedAt = new Date(values['compromised-at']);
        if (!Number.isFinite(compromisedAt.getTime())) {
          out(`--compromised-at is not a date-time: ${values['compromised-at']}`);
          return 2;
        }
      }
      const { revoked, active } = await revokeKey(
        handle.db,
        keyEncryptionKey,
        kid,
        { compromisedAt, reason: values.reason },
        null,
      );
      out(`revoked: ${show(revoked)}`);
      if (active) out(`active:  ${show(active)}`);
    } else {
      for (const k of await listKeys(handle.db)) out(show(k));
    }
    return 0;
  });
}

runIfScript(import.meta.url, main);
