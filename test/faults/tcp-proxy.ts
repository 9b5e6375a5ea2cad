import { createServer, connect, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of PostgreSQL, standing in for Toxiproxy (reliability.md D03, D04):
 * - `blackhole()` stops forwarding in both directions on every connection, open or new; the bytes
 *   wait, as on a link that went silent, and `resume()` lets them through again;
 * - `cutCommitAfter(marker)`: on the connection that next sends a statement containing `marker`,
 *   the following `commit` reaches the server, the server's answer is dropped and the connection
 *   reset: the transaction committed, the client never hears it.
 */
export interface TcpProxy {
  port: number;
  /** `url` (a PostgreSQL URL) with its host and port replaced by the proxy's. */
  url(url: string): string;
  blackhole(): void;
  resume(): void;
  cutCommitAfter(marker: string): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** The server's answers are dropped (the connection is being cut). */
  cut: boolean;
  /** This connection sent the marker: its next commit is cut. */
  marked: boolean;
}

const COMMIT = Buffer.from('commit\0');

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let silent = false;
  const held: (() => void)[] = [];
  let commitCut: { marker: Buffer; done: () => void } | null = null;

  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const pair: Pair = { client, upstream, cut: false, marked: false };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);

    const relay = (from: Socket, to: Socket, toServer: boolean) => (chunk: Buffer) => {
      const send = () => {
        if (!toServer && pair.cut) return;
        if (toServer && commitCut && !pair.marked && chunk.includes(commitCut.marker)) pair.marked = true;
        if (toServer && commitCut && pair.marked && chunk.includes(COMMIT)) {
          const done = commitCut.done;
          commitCut = null;
          pair.cut = true;
          to.write(chunk);
          // Give the server time to commit, then reset the connection before its answer returns.
          setTimeout(() => {
            end();
            done();
          }, 300);
          return;
        }
        to.write(chunk);
      };
      if (silent) {
        from.pause();
        held.push(() => {
          send();
          from.resume();
        });
      } else send();
    };
    client.on('data', relay(client, upstream, true));
    upstream.on('data', relay(upstream, client, false));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('proxy has no port');

  return {
    port: address.port,
    url(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(address.port);
      return u.toString();
    },
    blackhole() {
      silent = true;
    },
    resume() {
      silent = false;
      for (const release of held.splice(0)) release();
    },
    cutCommitAfter(marker: string) {
      return new Promise<void>((done) => {
        commitCut = { marker: Buffer.from(marker), done };
      });
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
