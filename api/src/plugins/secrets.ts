import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';

export interface Secrets {
  /** AES-256-GCM key-encryption key for signing keys at rest. */
  keyEncryptionKey: Buffer;
  /** HMAC key for session (bearer) tokens — never the code-signing key. */
  authTokenSecret: Buffer;
}

declare module 'fastify' {
  interface FastifyInstance {
    secrets: Secrets;
  }
}

function decodeKey(name: string, value: string, minBytes: number, exactBytes?: number): Buffer {
  const buf = Buffer.from(value, 'base64');
  if ((exactBytes && buf.length !== exactBytes) || buf.length < minBytes) {
    throw new Error(`${name} must be ${exactBytes ?? `at least ${minBytes}`} bytes, base64-encoded`);
  }
  return buf;
}

/**
 * Secrets come from configuration. In demo mode, missing ones are generated once into
 * `<dataDir>/secrets.json` (mode 0600) so a restart keeps sessions and keys readable; with an
 * in-memory data folder they live only as long as the process.
 */
export function resolveSecrets(config: Readonly<Config>): Secrets {
  let generated: { keyEncryptionKey?: string; authTokenSecret?: string } = {};
  const file = config.dataDir === 'memory' ? undefined : join(config.dataDir, 'secrets.json');
  if (config.demoMode && (!config.keyEncryptionKey || !config.authTokenSecret)) {
    if (file && existsSync(file)) generated = JSON.parse(readFileSync(file, 'utf8')) as typeof generated;
    let changed = false;
    if (!generated.keyEncryptionKey) {
      generated.keyEncryptionKey = randomBytes(32).toString('base64');
      changed = true;
    }
    if (!generated.authTokenSecret) {
      generated.authTokenSecret = randomBytes(32).toString('base64');
      changed = true;
    }
    if (file && changed) {
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(file, JSON.stringify(generated, null, 2), { mode: 0o600 });
      chmodSync(file, 0o600);
    }
  }
  const kek = config.keyEncryptionKey ?? generated.keyEncryptionKey;
  const auth = config.authTokenSecret ?? generated.authTokenSecret;
  if (!kek || !auth)
    throw new Error('KEY_ENCRYPTION_KEY and AUTH_TOKEN_SECRET are required outside demo mode');
  return {
    keyEncryptionKey: decodeKey('KEY_ENCRYPTION_KEY', kek, 32, 32),
    authTokenSecret: decodeKey('AUTH_TOKEN_SECRET', auth, 32),
  };
}

export const secretsPlugin = fp(
  async (app: FastifyInstance, opts: { config: Readonly<Config> }) => {
    app.decorate('secrets', resolveSecrets(opts.config));
  },
  { name: 'secrets' },
);
