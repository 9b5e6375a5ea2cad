import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../api/src/config.ts';

/**
 * The deployment files against the real app: the compose environment is what config.ts reads,
 * secrets arrive as *_FILE, both services have health checks, the image builds the site and runs
 * the server without downloading anything. `docker compose config` runs where the client exists.
 */
const root = new URL('../', import.meta.url);
const compose = readFileSync(new URL('docker-compose.yml', root), 'utf8');
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');

/** The `environment:` map of the `app` service (simple `KEY: value` lines, as the file writes them). */
function appEnvironment(): Record<string, string> {
  const app = compose.slice(compose.indexOf('\n  app:'));
  const block = app.slice(app.indexOf('environment:'), app.indexOf('\n    secrets:'));
  const env: Record<string, string> = {};
  for (const m of block.matchAll(/^ {6}([A-Z_]+): (.+)$/gm)) env[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
  return env;
}

const hasCompose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;

describe('docker-compose.yml', () => {
  it('gives the app the configuration config.ts needs, secrets as files, outside demo mode', () => {
    const env = appEnvironment();
    expect(env.DEMO_MODE).toBe('false');
    const dir = mkdtempSync(join(tmpdir(), 'ocop-secrets-'));
    try {
      const files: Record<string, string> = {
        database_url: 'postgres://ocop:pw@db:5432/ocop',
        key_encryption_key: Buffer.alloc(32, 1).toString('base64'),
        auth_token_secret: Buffer.alloc(32, 2).toString('base64'),
      };
      const resolved: Record<string, string> = { ...env, PUBLIC_BASE_URL: 'https://ocop.example.vn' };
      for (const [k, v] of Object.entries(env)) {
        if (!k.endsWith('_FILE')) continue;
        const name = /^\/run\/secrets\/([a-z_]+)$/.exec(v)?.[1];
        expect(name, `${k} points at a Docker secret`).toBeDefined();
        expect(compose).toMatch(new RegExp(`secrets: \\[[^\\]]*\\b${name}\\b`));
        expect(compose).toMatch(new RegExp(`\\n  ${name}:\\n    file: ./secrets/${name}\\n`));
        writeFileSync(join(dir, name!), `${files[name!]}\n`);
        resolved[k] = join(dir, name!);
      }
      expect(
        Object.keys(env)
          .filter((k) => k.endsWith('_FILE'))
          .sort(),
      ).toEqual(['AUTH_TOKEN_SECRET_FILE', 'DATABASE_URL_FILE', 'KEY_ENCRYPTION_KEY_FILE']);
      const config = loadConfig(resolved);
      expect(config).toMatchObject({
        demoMode: false,
        databaseUrl: files.database_url,
        keyEncryptionKey: files.key_encryption_key,
        authTokenSecret: files.auth_token_secret,
        publicBaseUrl: 'https://ocop.example.vn',
        port: 3000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has health checks on both services, a data volume, and the app waits for a healthy database', () => {
    expect(compose).toMatch(/pg_isready/);
    expect(compose).toMatch(/\/api\/health/);
    expect(compose).toMatch(/- pgdata:\/var\/lib\/postgresql\/data/);
    expect(compose).toMatch(/condition: service_healthy/);
    expect(compose).toMatch(/PUBLIC_BASE_URL: \$\{PUBLIC_BASE_URL:\?/);
  });

  it.skipIf(!hasCompose)('is valid for `docker compose config`', () => {
    const res = spawnSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '--quiet'], {
      cwd: new URL('.', root),
      encoding: 'utf8',
      env: { ...process.env, PUBLIC_BASE_URL: 'https://ocop.example.vn' },
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});

describe('Dockerfile', () => {
  it('installs from the lock file, builds the site, and starts the server without npx', () => {
    expect(dockerfile).toMatch(/RUN npm ci /);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/HEALTHCHECK .*\n?.*\/api\/health/);
    expect(dockerfile).toMatch(/^USER node$/m);
    const cmd = /^CMD (.+)$/m.exec(dockerfile)?.[1] ?? '';
    expect(JSON.parse(cmd)).toEqual(['node', '--import', 'tsx', 'api/src/server.ts']);
    // The root package.json has the build script the image runs.
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.build).toBeDefined();
  });
});
