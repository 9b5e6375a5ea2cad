import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../../api/src/app.ts';
import { testConfig, type Config } from '../../api/src/config.ts';
import type { Limits } from '../../api/src/plugins/security.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

export interface SecApp {
  app: FastifyInstance;
  db: TestDb;
  close(): Promise<void>;
}

/** Limits short enough for slow-body and slow-header tests to finish in seconds. */
export const SHORT_LIMITS: Readonly<Partial<Limits>> = Object.freeze({
  bodyTimeoutMs: 1_000,
  bodyMinBytesPerSecond: 8 * 1024,
  headersTimeoutMs: 1_500,
  requestTimeoutMs: 3_000,
  connectionsCheckingIntervalMs: 250,
});

/** A fresh app on its own database, with any configuration and limits. */
export async function buildSecApp(
  overrides: Partial<Config> = {},
  limits: Partial<Limits> = {},
  beforeReady?: (app: FastifyInstance) => void | Promise<void>,
  options: Omit<BuildOptions, 'db' | 'limits'> = {},
): Promise<SecApp> {
  const db = await createTestDb();
  const app = await buildApp(testConfig(overrides), { ...options, db, limits });
  if (beforeReady) await beforeReady(app);
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

/** Listen on a random loopback port and return its port. */
export async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return addr.port;
}

export interface RawResult {
  /** The raw bytes the server sent, as text. */
  text: string;
  /** Status code of the first response, or undefined if none arrived. */
  status: number | undefined;
  /** True when the server closed the connection. */
  closed: boolean;
  /** Milliseconds from connect to close (or to the end of waiting). */
  elapsedMs: number;
}

/**
 * Send raw bytes to the server: `parts` are written one after another with `gapMs` between them,
 * which lets a test trickle headers or a body byte by byte. Resolves when the server closes the
 * connection or `waitMs` after the last write.
 */
export function rawRequest(
  port: number,
  parts: (string | Buffer)[],
  opts: { gapMs?: number; waitMs?: number } = {},
): Promise<RawResult> {
  const gapMs = opts.gapMs ?? 0;
  const waitMs = opts.waitMs ?? 2_000;
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const socket: Socket = connect(port, '127.0.0.1');
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({
        text,
        status: m?.[1] ? Number(m[1]) : undefined,
        closed,
        elapsedMs: performance.now() - started,
      });
      socket.destroy();
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      let i = 0;
      const next = () => {
        if (done) return;
        if (i >= parts.length) {
          timer = setTimeout(() => finish(false), waitMs);
          return;
        }
        const part = parts[i++]!;
        if (!socket.writable) return finish(true);
        socket.write(part);
        timer = setTimeout(next, gapMs);
      };
      next();
    });
  });
}

/** Split a string into one-character parts, for trickling. */
export function bytes(s: string): string[] {
  return [...s];
}
