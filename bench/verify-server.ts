/**
 * The server side of bench/verify.ts, run as a child process so the load generator does not share
 * its event loop: the full app (PGlite in memory, or a fresh PostgreSQL database with
 * DATABASE_URL) with a certified batch and its codes, and beside it a bare Fastify instance with
 * `GET /hello` and `POST /raw-verify` (one node:crypto ES256 verify), the floors to compare with.
 *
 *   npx tsx bench/verify-server.ts <out.json> [unitCodes]
 *
 * Writes the ports and the codes to <out.json>, prints READY, and runs until stdin closes.
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import Fastify from 'fastify';
import { serveUntilStdinCloses } from './child.ts';
import { buildApp } from '../api/src/app.ts';
import { defaultVerifyWorkers, testConfig } from '../api/src/config.ts';
import { createUser } from '../test/helpers/app.ts';
import { makeCertifiedBatch } from '../test/helpers/code-factories.ts';
import { createTestDb } from '../test/helpers/db.ts';

export interface BenchServerInfo {
  kind: 'postgres' | 'pglite';
  pid: number;
  appUrl: string;
  bareUrl: string;
  batchCode: string;
  unitCodes: string[];
  forgedCode: string;
  /** For loads that issue codes too (bench/soak.ts): an admin's Authorization header and a batch. */
  adminAuthorization: string;
  batchId: string;
}

async function main(): Promise<void> {
  const out = process.argv[2];
  const units = Number(process.argv[3] ?? 20_000);
  if (!out) throw new Error('usage: verify-server.ts <out.json> [unitCodes]');

  const db = await createTestDb();
  // Signature workers as in production (VERIFY_WORKERS, else one fewer than the cores).
  const verifyWorkers =
    process.env.VERIFY_WORKERS === undefined ? defaultVerifyWorkers() : Number(process.env.VERIFY_WORKERS);
  const app = await buildApp(testConfig({ publicBaseUrl: 'https://ocop.quangngai.gov.vn', verifyWorkers }), {
    db,
    // The load generator is one client: lift the per-client limit for the measurement.
    limits: { verifyRateLimit: { max: 1_000_000_000, timeWindow: 60_000 } },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const admin = await createUser(app, 'admin');
  const b = await makeCertifiedBatch(app.db, { quantity: 1_000_000 });
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/batches/${b.batchId}/codes`,
    headers: { authorization: admin.authorization },
    payload: { serials: units },
  });
  if (res.statusCode !== 201) throw new Error(`issuance failed: ${res.statusCode} ${res.body}`);
  const csv = await app.inject({
    url: res.json().units.job.csv,
    headers: { authorization: admin.authorization },
  });
  const unitCodes = csv.body
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[1]!);
  const batchCode = res.json().batchCode.url as string;

  // The floors: a bare Fastify route, and a route doing one raw ES256 verify of the same kind of code.
  const jwks = (await app.inject({ url: '/.well-known/jwks.json' })).json<{
    keys: { kid: string; kty: string; crv: string; x: string; y: string }[];
  }>();
  const jwk = jwks.keys[0]!;
  const publicKey = createPublicKey({
    key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
    format: 'jwk',
  });
  const header = Buffer.from(`{"alg":"ES256","kid":"${jwk.kid}","typ":"ocop-code+jws"}`).toString(
    'base64url',
  );
  // What a warm answer's bytes alone cost: the same JSON body in, the same answer out, no work.
  const warmAnswer = (
    await app.inject({ method: 'POST', url: '/api/v1/verify', payload: { code: batchCode } })
  ).body;
  const bare = Fastify({ logger: false });
  bare.get('/hello', async () => ({ hello: 'world' }));
  bare.post('/answer', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(warmAnswer),
  );
  bare.post<{ Body: { code: string } }>('/raw-verify', async (request) => {
    const [canonical = '', query = ''] = request.body.code.split('?');
    const s = /(?:^|&)s=([^&]*)/.exec(query)?.[1] ?? '';
    const input = `${header}.${Buffer.from(canonical).toString('base64url')}`;
    const ok = nodeVerify(
      'sha256',
      Buffer.from(input),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(s, 'base64url'),
    );
    return { ok };
  });
  // The bench turns the verification's fast lane off for one case (the route in Fastify alone) and
  // asks how many answers it gave.
  bare.post<{ Body: { enabled: boolean } }>('/lane', async (request) => {
    const lane = app.verifyHot.lane!;
    lane.enabled = request.body.enabled;
    return { enabled: lane.enabled, served: lane.served };
  });
  await bare.listen({ host: '127.0.0.1', port: 0 });

  const addr = (a: ReturnType<typeof app.server.address>) => (typeof a === 'object' && a ? a.port : 0);
  const info: BenchServerInfo = {
    kind: app.dbHandle.kind,
    pid: process.pid,
    appUrl: `http://127.0.0.1:${addr(app.server.address())}`,
    bareUrl: `http://127.0.0.1:${addr(bare.server.address())}`,
    batchCode,
    unitCodes,
    forgedCode: batchCode.replace(/s=.{6}/, 's=AAAAAA'),
    adminAuthorization: admin.authorization,
    batchId: b.batchId,
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
