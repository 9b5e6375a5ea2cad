import { readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The only reader of `process.env`. Validated once at boot and frozen; everything else receives a
 * `Config` value, so tests build apps with any configuration without touching the environment.
 */
export interface Config {
  port: number;
  host: string;
  /** The public origin printed in every QR code, without a trailing slash. */
  publicBaseUrl: string;
  /** PostgreSQL URL; absent means the embedded PGlite. */
  databaseUrl: string | undefined;
  /** PGlite data folder and generated demo secrets; `memory` keeps everything in memory. */
  dataDir: string;
  /** Base64 32-byte key that encrypts signing keys at rest (AES-256-GCM). */
  keyEncryptionKey: string | undefined;
  /** Seed demo data and accounts into an empty database; generate missing secrets into dataDir. */
  demoMode: boolean;
  /** Secret for session (bearer) tokens; generated into dataDir in demo mode. */
  authTokenSecret: string | undefined;
  /** Lifetime of a bearer token in seconds. */
  authTokenTtl: number;
  /** Addresses of reverse proxies whose X-Forwarded-For is trusted; empty trusts none. */
  trustedProxies: string[];
  logLevel: string;
  /** Serve the built Astro site from site/dist when present. */
  serveSite: boolean;
  /** PostgreSQL `statement_timeout` of the server's connections, ms (0: none). */
  dbStatementTimeoutMs: number;
  /**
   * Client-side limit on one query, ms (0: none): past it the connection is destroyed and the
   * request answers 503, so a silent (blackholed) database link cannot hold a request forever.
   */
  dbQueryTimeoutMs: number;
  /** Unit codes one producer may issue in a Vietnam day (reliability.md A08). */
  issuanceDailyQuota: number;
  /** Sliding window, seconds, in which forged or unknown verifications are counted per client (L02). */
  enumerationWindowSeconds: number;
  /** Misses of one client in one window above which `enumeration_suspected` is raised. */
  enumerationThreshold: number;
  /** Where background label jobs write their files (routes/labels/jobs.ts). */
  labelJobsDir: string;
  /** Days a done label job's file is kept before it is deleted (the job can be re-run). */
  labelJobFileDays: number;
  /**
   * Worker threads for first-time signature checks of the verification (0: on the main thread).
   * Default: one fewer than the cores, at most 4.
   */
  verifyWorkers: number;
  /**
   * Whether repeated scans answered from kept answers skip Fastify's request path
   * (routes/verify/lane.ts). On unless VERIFY_LANE=false: the switch is for measuring and for
   * ruling the lane out when something looks wrong.
   */
  verifyLane: boolean;
}

export class ConfigError extends Error {}

function bool(name: string, v: string | undefined, dflt: boolean): boolean {
  if (v === undefined || v === '') return dflt;
  if (['1', 'true', 'yes', 'on'].includes(v.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(v.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${v}"`);
}

/** One fewer than the cores (the main thread has one), at most 4. */
export function defaultVerifyWorkers(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

function int(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be an integer in ${min}..${max}, got "${v}"`);
  return n;
}

/** Secrets may come as `<NAME>_FILE` (Docker/Kubernetes secrets) instead of the value itself. */
function secret(env: Record<string, string | undefined>, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim() || undefined;
    } catch {
      throw new ConfigError(`${name}_FILE points to "${file}", which cannot be read`);
    }
  }
  return env[name] || undefined;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const port = int('PORT', env.PORT, 3000, 0, 65535);
  const databaseUrl = secret(env, 'DATABASE_URL');
  const publicBaseUrl = (env.PUBLIC_BASE_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(publicBaseUrl);
  } catch {
    throw new ConfigError(`PUBLIC_BASE_URL must be an absolute URL, got "${publicBaseUrl}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError('PUBLIC_BASE_URL must be http(s)');
  if (url.pathname !== '/' || url.search || url.hash)
    throw new ConfigError('PUBLIC_BASE_URL must be an origin without a path');
  const production = env.NODE_ENV === 'production';
  const demoMode = bool('DEMO_MODE', env.DEMO_MODE, !databaseUrl && !production);
  const config: Config = {
    port,
    host: env.HOST || '0.0.0.0',
    publicBaseUrl,
    databaseUrl,
    dataDir: env.DATA_DIR === 'memory' ? 'memory' : resolve(env.DATA_DIR || '.data'),
    keyEncryptionKey: secret(env, 'KEY_ENCRYPTION_KEY'),
    demoMode,
    authTokenSecret: secret(env, 'AUTH_TOKEN_SECRET'),
    authTokenTtl: int('AUTH_TOKEN_TTL', env.AUTH_TOKEN_TTL, 8 * 3600, 60, 30 * 86400),
    trustedProxies: (env.TRUSTED_PROXIES || '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    logLevel: env.LOG_LEVEL || 'info',
    serveSite: bool('SERVE_SITE', env.SERVE_SITE, true),
    dbStatementTimeoutMs: int('DB_STATEMENT_TIMEOUT_MS', env.DB_STATEMENT_TIMEOUT_MS, 10_000, 0, 3_600_000),
    dbQueryTimeoutMs: 0,
    issuanceDailyQuota: int('ISSUANCE_DAILY_QUOTA', env.ISSUANCE_DAILY_QUOTA, 1_000_000, 1, 1_000_000_000),
    enumerationWindowSeconds: int(
      'ENUMERATION_WINDOW_SECONDS',
      env.ENUMERATION_WINDOW_SECONDS,
      600,
      10,
      86_400,
    ),
    enumerationThreshold: int('ENUMERATION_THRESHOLD', env.ENUMERATION_THRESHOLD, 100, 1, 1_000_000),
    labelJobsDir: resolve(env.LABEL_JOBS_DIR || join(tmpdir(), 'ocop-label-jobs')),
    labelJobFileDays: int('LABEL_JOB_FILE_DAYS', env.LABEL_JOB_FILE_DAYS, 7, 1, 3650),
    verifyWorkers: int('VERIFY_WORKERS', env.VERIFY_WORKERS, defaultVerifyWorkers(), 0, 64),
    verifyLane: bool('VERIFY_LANE', env.VERIFY_LANE, true),
  };
  // The client waits a little longer than the server, so a slow query is cancelled by the server
  // (57014, a clean 503) and only a silent link trips the client-side limit.
  const statement = config.dbStatementTimeoutMs;
  config.dbQueryTimeoutMs = int(
    'DB_QUERY_TIMEOUT_MS',
    env.DB_QUERY_TIMEOUT_MS,
    statement === 0 ? 0 : statement + 2_000,
    0,
    3_600_000,
  );
  if (!demoMode && !config.keyEncryptionKey) {
    throw new ConfigError('KEY_ENCRYPTION_KEY is required outside demo mode (32 random bytes, base64)');
  }
  if (!demoMode && !config.authTokenSecret) {
    throw new ConfigError(
      'AUTH_TOKEN_SECRET is required outside demo mode (at least 32 random bytes, base64)',
    );
  }
  return Object.freeze(config);
}

/** A configuration for tests: in-memory PGlite unless DATABASE_URL is given. */
export function testConfig(overrides: Partial<Config> = {}): Readonly<Config> {
  return Object.freeze({
    port: 0,
    host: '127.0.0.1',
    publicBaseUrl: 'https://ocop.test',
    databaseUrl: undefined,
    dataDir: 'memory',
    keyEncryptionKey: Buffer.alloc(32, 7).toString('base64'),
    demoMode: false,
    authTokenSecret: Buffer.alloc(32, 9).toString('base64'),
    authTokenTtl: 3600,
    trustedProxies: [],
    logLevel: 'silent',
    serveSite: false,
    dbStatementTimeoutMs: 10_000,
    dbQueryTimeoutMs: 12_000,
    issuanceDailyQuota: 1_000_000,
    enumerationWindowSeconds: 600,
    enumerationThreshold: 100,
    labelJobsDir: join(tmpdir(), 'ocop-label-jobs-test'),
    labelJobFileDays: 7,
    verifyWorkers: 1,
    verifyLane: true,
    ...overrides,
  });
}
