import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const key = Buffer.alloc(32, 1).toString('base64');

describe('loadConfig', () => {
  it('defaults to demo mode on the embedded database at localhost:3000', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      publicBaseUrl: 'http://localhost:3000',
      databaseUrl: undefined,
      demoMode: true,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('bounds database queries: statement_timeout 10 s, the client 2 s more; 0 turns both off', () => {
    expect(loadConfig({})).toMatchObject({ dbStatementTimeoutMs: 10_000, dbQueryTimeoutMs: 12_000 });
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '0' })).toMatchObject({
      dbStatementTimeoutMs: 0,
      dbQueryTimeoutMs: 0,
    });
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '3000', DB_QUERY_TIMEOUT_MS: '4000' })).toMatchObject({
      dbStatementTimeoutMs: 3000,
      dbQueryTimeoutMs: 4000,
    });
    expect(() => loadConfig({ DB_QUERY_TIMEOUT_MS: '-1' })).toThrow(/DB_QUERY_TIMEOUT_MS/);
  });

  it('keeps label job files 7 days unless LABEL_JOB_FILE_DAYS says otherwise', () => {
    expect(loadConfig({}).labelJobFileDays).toBe(7);
    expect(loadConfig({ LABEL_JOB_FILE_DAYS: '30' }).labelJobFileDays).toBe(30);
  });

  it('follows PORT in the default public origin and strips a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://ocop.quangngai.gov.vn/' }).publicBaseUrl).toBe(
      'https://ocop.quangngai.gov.vn',
    );
  });

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ PUBLIC_BASE_URL: 'ocop.vn' }, /absolute URL/],
    [{ PUBLIC_BASE_URL: 'ftp://ocop.vn' }, /http/],
    [{ PUBLIC_BASE_URL: 'https://ocop.vn/app' }, /without a path/],
    [{ DEMO_MODE: 'maybe' }, /DEMO_MODE/],
    [{ LABEL_JOB_FILE_DAYS: '0' }, /LABEL_JOB_FILE_DAYS must be an integer/],
    [{ LABEL_JOB_FILE_DAYS: '1.5' }, /LABEL_JOB_FILE_DAYS must be an integer/],
    [{ LABEL_JOB_FILE_DAYS: 'week' }, /LABEL_JOB_FILE_DAYS must be an integer/],
    [{ DATABASE_URL: 'postgres://x/y' }, /KEY_ENCRYPTION_KEY is required/],
    [{ DATABASE_URL: 'postgres://x/y', KEY_ENCRYPTION_KEY: key }, /AUTH_TOKEN_SECRET is required/],
    [{ DATABASE_URL_FILE: '/nonexistent/secret' }, /cannot be read/],
  ])('refuses %o with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('is not in demo mode with a DATABASE_URL or in production, and reads secrets from *_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ocop-cfg-'));
    writeFileSync(join(dir, 'kek'), `${key}\n`);
    const c = loadConfig({
      DATABASE_URL: 'postgres://db/ocop',
      KEY_ENCRYPTION_KEY_FILE: join(dir, 'kek'),
      AUTH_TOKEN_SECRET: key,
    });
    expect(c.demoMode).toBe(false);
    expect(c.keyEncryptionKey).toBe(key);
    expect(
      loadConfig({ NODE_ENV: 'production', KEY_ENCRYPTION_KEY: key, AUTH_TOKEN_SECRET: key }).demoMode,
    ).toBe(false);
  });
});
