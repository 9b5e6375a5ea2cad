/**
 * Signed checkpoints of the audit chain from the command line (reliability.md K02):
 *
 *   node --import tsx api/src/cli/audit-checkpoint.ts sign > /media/usb/ocop-audit-$(date +%F).jws
 *   node --import tsx api/src/cli/audit-checkpoint.ts verify /media/usb/ocop-audit-2026-11-29.jws
 *
 * `sign` prints the head of the audit chain signed with the active code-signing key (a compact JWS,
 * one line) for storing off this machine — run it daily from cron beside the backup. `verify`
 * reads a checkpoint (a file, or `-` for standard input) and says whether the log still matches
 * it; it exits 0 when it does, 1 when it does not (the log was altered or rewritten), 2 on usage.
 * Reads the same configuration as the server (DATABASE_URL or DATA_DIR, KEY_ENCRYPTION_KEY).
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config.ts';
import { runIfScript, withConfiguredDb } from './common.ts';
import { activeSigner, ensureActiveKey, listKeys } from '../plugins/keys.ts';
import { resolveSecrets } from '../plugins/secrets.ts';
import { signCheckpoint, verifyCheckpoint } from '../security/checkpoints.ts';

const USAGE = `usage:
  audit-checkpoint sign
  audit-checkpoint verify <file | ->`;

export async function main(
  argv: string[],
  out: (line: string) => void = console.log,
  readInput: (source: string) => string = (s) => readFileSync(s === '-' ? 0 : s, 'utf8'),
): Promise<number> {
  const [command, source] = argv;
  if (command !== 'sign' && !(command === 'verify' && source)) {
    out(USAGE);
    return 2;
  }
  const config = loadConfig();
  const { keyEncryptionKey } = resolveSecrets(config);
  return withConfiguredDb(config, out, async (handle) => {
    if (command === 'sign') {
      await ensureActiveKey(handle.db, keyEncryptionKey);
      const signed = await signCheckpoint(
        handle.db,
        await activeSigner(handle.db, keyEncryptionKey),
        config.publicBaseUrl,
      );
      out(signed.checkpoint);
      return 0;
    }
    const check = await verifyCheckpoint(handle.db, readInput(source!).trim(), await listKeys(handle.db));
    out(`${check.matches ? 'matches' : `DOES NOT MATCH (${check.reason})`}: ${check.detail}`);
    return check.matches ? 0 : 1;
  });
}

runIfScript(import.meta.url, main);
