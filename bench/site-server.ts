/**
 * The server side of bench/site.ts, run as a child process so the client does not share its event
 * loop: the full app with the built site and the demo data (PGlite in memory, or a fresh PostgreSQL
 * database with DATABASE_URL), listening on the given port (its public origin, so the demo codes
 * point at it), and beside it the floor: a bare Fastify route answering a static HTML document of
 * the verification page's size.
 *
 *   npx tsx bench/site-server.ts <out.json> <port>
 *
 * Writes the URLs to <out.json>, prints READY, and runs until stdin closes.
 */
import Fastify from 'fastify';
import { serveUntilStdinCloses } from './child.ts';
import { buildApp } from '../api/src/app.ts';
import { testConfig } from '../api/src/config.ts';
import { createTestDb } from '../test/helpers/db.ts';

export interface SiteServerInfo {
  kind: 'postgres' | 'pglite';
  appUrl: string;
  bareUrl: string;
  /** Path and query of a genuine demo unit code: its verification page. */
  codePath: string;
}

async function main(): Promise<void> {
  const out = process.argv[2];
  const port = Number(process.argv[3]);
  if (!out || !port) throw new Error('usage: site-server.ts <out.json> <port>');
  const origin = `http://127.0.0.1:${port}`;

  const db = await createTestDb();
  const app = await buildApp(testConfig({ publicBaseUrl: origin, demoMode: true, serveSite: true }), {
    db,
    // The bench is one client: lift the per-client limit for the measurement.
    limits: { verifyRateLimit: { max: 1_000_000_000, timeWindow: 60_000 } },
  });
  await app.listen({ host: '127.0.0.1', port });

  // A demo unit code that verifies as genuine (the demo also has recalled, revoked, copied ones).
  const codes = await app.db
    .selectFrom('codes')
    .select(['path', 'kid', 'sig'])
    .where('kind', '=', 'unit')
    .orderBy('path')
    .execute();
  let codePath: string | null = null;
  for (const c of codes) {
    const pathAndQuery = `${c.path}?k=${c.kid.slice(0, 8)}&s=${c.sig}`;
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/verify',
      payload: { code: origin + pathAndQuery },
    });
    if (res.json<{ verdict: string }>().verdict === 'genuine') {
      codePath = pathAndQuery;
      break;
    }
  }
  if (codePath === null) throw new Error('no genuine demo unit code');

  // The floor: the same bytes of HTML, from a bare route.
  const page = await app.inject({ url: codePath, headers: { accept: 'text/html' } });
  if (page.statusCode !== 200) throw new Error(`verification page: ${page.statusCode}`);
  const html = page.rawPayload;
  const bare = Fastify({ logger: false });
  bare.get('/page', async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  await bare.listen({ host: '127.0.0.1', port: 0 });

  const addr = bare.server.address();
  const info: SiteServerInfo = {
    kind: app.dbHandle.kind,
    appUrl: origin,
    bareUrl: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    codePath,
  };
  serveUntilStdinCloses(out, info, async () => {
    await bare.close();
    await app.close();
    await db.drop();
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
