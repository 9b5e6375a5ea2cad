/**
 * Bench servers run in a child process, so the load generator does not share their event loop.
 * The child writes what the parent needs to a JSON file, prints READY, and runs until its stdin
 * closes; these two halves are the whole protocol.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchChild<T> {
  info: T;
  /** Closes the child's stdin and waits for it to exit. */
  stop(): Promise<void>;
}

/** Parent side: runs `script` (with tsx) and waits until it is READY. */
export async function startBenchChild<T>(
  script: URL,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; pinToCore?: number } = {},
): Promise<BenchChild<T>> {
  const dir = mkdtempSync(join(tmpdir(), 'ocop-bench-'));
  const infoFile = join(dir, 'server.json');
  const argv = ['--import', 'tsx', fileURLToPath(script), infoFile, ...args];
  const env = opts.env ?? { ...process.env, LOG_LEVEL: 'silent' };
  const stdio: ['pipe', 'pipe', 'inherit'] = ['pipe', 'pipe', 'inherit'];
  const child =
    opts.pinToCore === undefined
      ? spawn(process.execPath, argv, { stdio, env })
      : spawn('taskset', ['-c', String(opts.pinToCore), process.execPath, ...argv], { stdio, env });
  const stop = async () => {
    child.stdin.end();
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r)).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${fileURLToPath(script)} exited with ${code}`)));
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('READY')) resolve();
      });
    });
    return { info: JSON.parse(readFileSync(infoFile, 'utf8')) as T, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Child side: publishes `info`, then runs until the parent closes stdin, and closes with `close`. */
export function serveUntilStdinCloses(out: string, info: unknown, close: () => Promise<void>): void {
  writeFileSync(out, JSON.stringify(info));
  process.stdout.write('READY\n');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await close();
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.on('close', () => void stop());
  process.stdin.resume();
}
