import { createServer, request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../../app.ts';
import { testConfig, type Config } from '../../config.ts';
import type { Limits } from '../../plugins/security.ts';
import { createUser } from '../../../../test/helpers/app.ts';
import { createTestDb, type TestDb } from '../../../../test/helpers/db.ts';
import { makeCertifiedBatch, recallBatch } from '../../../../test/helpers/code-factories.ts';
import { laneBody, VerifyLane, type LaneOptions } from './lane.ts';

/**
 * The verification's fast lane (lane.ts): a scan with a plain JSON body is answered from Node's
 * request event with the route's own bytes and headers — at once when the route kept its answer
 * (a batch code scanned again, the same forgery), else once the route's computation is done;
 * everything else reaches Fastify as if the lane were not there. Over real sockets: `inject`
 * never meets the lane.
 */

let open: { app: FastifyInstance; db: TestDb }[] = [];
afterEach(async () => {
  for (const { app, db } of open) {
    await app.close();
    await db.drop();
  }
  open = [];
});

async function serve(o: { config?: Partial<Config>; limits?: Partial<Limits> } = {}) {
  const db = await createTestDb();
  const app = await buildApp(testConfig(o.config), {
    db,
    limits: { verifyRateLimit: { max: 1_000, timeWindow: 60_000 }, ...o.limits },
  });
  open.push({ app, db });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const admin = await createUser(app, 'admin');
  const b = await makeCertifiedBatch(app.db, { quantity: 1_000 });
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/batches/${b.batchId}/codes`,
    headers: { authorization: admin.authorization },
    payload: { serials: 2 },
  });
  expect(res.statusCode).toBe(201);
  const issued = res.json<{ batchCode: { url: string }; units: { urls: string[] } }>();
  return {
    app,
    db,
    admin,
    batch: b,
    batchCode: issued.batchCode.url,
    units: issued.units.urls,
    lane: app.verifyHot.lane!,
    port: (app.server.address() as AddressInfo).port,
  };
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One POST over a socket; `parts` are written apart, `gapMs` between them. */
function post(
  port: number,
  parts: string | string[],
  headers: Record<string, string> = {},
  gapMs = 0,
): Promise<Answer> {
  const chunks = [parts].flat();
  const length = chunks.reduce((n, c) => n + Buffer.byteLength(c), 0);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/verify',
        headers: { 'content-type': 'application/json', 'content-length': String(length), ...headers },
      },
      (res) => {
        const got: Buffer[] = [];
        res.on('data', (c: Buffer) => got.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers as Record<string, string>,
            body: Buffer.concat(got).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    void (async () => {
      for (const [i, c] of chunks.entries()) {
        if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        req.write(c);
      }
      req.end();
    })();
  });
}

const json = (code: string, more: object = {}) => JSON.stringify({ code, ...more });

/** An answer less what belongs to one scan: its time, and the batch code's scan count. */
const comparable = (body: string) =>
  body.replace(/"checkedAt":"[^"]+"/, '"checkedAt":"…"').replace(/"scans":\d+/g, '"scans":…');

/** The headers less those of one answer. */
function sameHeaders(h: Record<string, string>) {
  const {
    date: _d,
    connection: _c,
    'keep-alive': _k,
    'x-ratelimit-remaining': _r,
    'x-ratelimit-reset': _t,
    'content-length': _l,
    ...rest
  } = h;
  return rest;
}

describe('verification fast lane', () => {
  it('answers a batch code scanned again with the bytes and headers the route sends', async () => {
    const s = await serve();
    const first = await post(s.port, json(s.batchCode)); // computed by the route: the lane learns
    expect(s.lane.served).toBe(0);
    const second = await post(s.port, json(s.batchCode)); // kept, answered by the lane
    const third = await post(s.port, json(s.batchCode)); // the same
    expect(s.lane.served).toBe(2);
    const routeAgain = await s.app.inject({
      method: 'POST',
      url: '/api/v1/verify',
      payload: { code: s.batchCode },
    });

    for (const a of [first, second, third]) expect(a.status).toBe(200);
    expect(JSON.parse(third.body).verdict).toBe('genuine');
    // Byte for byte what the route answers, but for the time and the count.
    expect(comparable(third.body)).toBe(comparable(first.body));
    expect(comparable(third.body)).toBe(comparable(routeAgain.body));
    expect(Number(third.headers['content-length'])).toBe(Buffer.byteLength(third.body));
    expect(sameHeaders(third.headers)).toEqual(sameHeaders(first.headers));
    expect(third.headers['content-security-policy']).toContain("default-src 'none'");
    expect(third.headers['content-type']).toBe('application/json; charset=utf-8');
    // Each scan is counted: the copy check shows 1, 2, 3, then the route's 4.
    const scansOf = (body: string): number =>
      (JSON.parse(body) as { checks: { id: string; evidence: { scans: number } }[] }).checks.find(
        (c) => c.id === 'copy_batch_scans',
      )!.evidence.scans;
    expect([first, second, third].map((a) => scansOf(a.body))).toEqual([1, 2, 3]);
    expect(scansOf(routeAgain.body)).toBe(4);
    // And recorded, with what the scan said of itself.
    const scan = await post(s.port, json(s.batchCode, { deviceId: 'device-0001', area: ' Quảng Ngãi ' }));
    expect(s.lane.served).toBe(3);
    await s.app.verifyHot.scans.flush();
    const rows = await sql<{ n: number; areas: number; devices: number }>`
      select count(*)::int as n, count(area) filter (where area = 'Quảng Ngãi')::int as areas,
             count(device_hash)::int as devices
      from scans where path = ${new URL(s.batchCode).pathname}`.execute(s.app.db);
    expect(scan.status).toBe(200);
    expect(rows.rows[0]).toEqual({ n: 5, areas: 1, devices: 1 });
  });

  it('answers a unit code, computed by the route, with the bytes and headers the route sends', async () => {
    const s = await serve();
    const body = json(s.units[0]!, { deviceId: 'device-0001', area: 'Sơn Tịnh' });
    await post(s.port, json(s.batchCode)); // the route: the lane learns its headers
    const byLane = await post(s.port, body);
    expect([s.lane.served, s.lane.handedOver]).toEqual([1, 0]);
    s.lane.enabled = false;
    const byRoute = await post(s.port, body);
    s.lane.enabled = true;
    expect(s.lane.served).toBe(1);
    /** Less what belongs to one scan: its time, and the code's count and times of scans. */
    const unitComparable = (text: string) => {
      const a = JSON.parse(text) as { checkedAt: string; scanHistory: Record<string, unknown> };
      return { ...a, checkedAt: '…', scanHistory: { ...a.scanHistory, count: '…', first: '…', last: '…' } };
    };
    expect(JSON.parse(byLane.body)).toMatchObject({
      verdict: 'genuine',
      scanHistory: { count: 1, devices: 1 },
    });
    expect(JSON.parse(byRoute.body)).toMatchObject({
      verdict: 'genuine',
      scanHistory: { count: 2, devices: 1 },
    });
    expect(unitComparable(byLane.body)).toEqual(unitComparable(byRoute.body));
    expect(Number(byLane.headers['content-length'])).toBe(Buffer.byteLength(byLane.body));
    expect(sameHeaders(byLane.headers)).toEqual(sameHeaders(byRoute.headers));
    // Both scans recorded, as the scan said.
    await s.app.verifyHot.scans.flush();
    const rows = await sql<{ n: number; devices: number }>`
      select count(*)::int as n, count(distinct device_hash)::int as devices from scans
      where path = ${new URL(s.units[0]!).pathname} and area = 'Sơn Tịnh'`.execute(s.app.db);
    expect(rows.rows[0]).toEqual({ n: 2, devices: 1 });
  });

  it('is off with VERIFY_LANE=false', async () => {
    const s = await serve({ config: { verifyLane: false } });
    for (let i = 0; i < 4; i++) expect((await post(s.port, json(s.batchCode))).status).toBe(200);
    expect(s.lane.served).toBe(0);
    expect(s.lane.handedOver).toBe(0);
  });

  it("counts in the route's rate-limit window: a client past its limit gets the route's 429", async () => {
    const s = await serve({ limits: { verifyRateLimit: { max: 4, timeWindow: 60_000 } } });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await post(s.port, json(s.batchCode)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429, 429]);
    expect(answers.slice(0, 4).map((a) => a.headers['x-ratelimit-remaining'])).toEqual(['3', '2', '1', '0']);
    expect(answers.every((a) => a.headers['x-ratelimit-limit'] === '4')).toBe(true);
    expect(s.lane.served).toBe(3); // the second to the fourth
    expect(answers[4]!.headers['retry-after']).toMatch(/^\d+$/);
    expect(answers[4]!.headers['content-type']).toContain('application/problem+json');
  });

  it('counts clients behind trusted proxies by X-Forwarded-For, as the route does', async () => {
    const s = await serve({
      config: { trustedProxies: ['127.0.0.1'] },
      limits: { verifyRateLimit: { max: 3, timeWindow: 60_000 } },
    });
    const as = (ip: string) => post(s.port, json(s.batchCode), { 'x-forwarded-for': ip });
    const a = [
      await as('203.0.113.5'),
      await as('203.0.113.5'),
      await as('203.0.113.5'),
      await as('203.0.113.5'),
    ];
    const b = await as('198.51.100.7');
    expect(a.map((x) => x.status)).toEqual([200, 200, 200, 429]);
    expect(b.status).toBe(200);
    expect(b.headers['x-ratelimit-remaining']).toBe('2');
    expect(s.lane.served).toBeGreaterThanOrEqual(2);
  });

  it('counts a forgery scanned again in the enumeration watch', async () => {
    const s = await serve({ config: { enumerationThreshold: 4 } });
    const forged = s.batchCode.replace(/s=.{6}/, 's=AAAAAA');
    for (let i = 0; i < 6; i++) {
      const a = await post(s.port, json(forged));
      expect(JSON.parse(a.body).verdict).toBe('forged');
    }
    expect(s.lane.served).toBe(5); // the route answered one: alone it stays under the threshold
    await s.app.enumerationWatch.drain();
    const alerts = await sql<{ n: number }>`
      select count(*)::int as n from security_alerts where kind = 'enumeration_suspected'`.execute(s.app.db);
    expect(alerts.rows[0]!.n).toBe(1);
  });

  it('sees a recall at once', async () => {
    const s = await serve();
    for (let i = 0; i < 3; i++) await post(s.port, json(s.batchCode));
    expect(s.lane.served).toBe(2);
    await recallBatch(s.app.db, s.batch.batchId);
    // The recall was written by SQL, as another process would: the registry's notification drops
    // the kept answers; wait for it as a scan would (the route recomputes once it is seen).
    let verdict = '';
    for (let i = 0; i < 100 && verdict !== 'recalled_batch'; i++) {
      verdict = JSON.parse((await post(s.port, json(s.batchCode))).body).verdict;
      if (verdict !== 'recalled_batch') await new Promise((r) => setTimeout(r, 20));
    }
    expect(verdict).toBe('recalled_batch');
  });

  it('hands everything else to the route, which answers it as ever', async () => {
    const s = await serve();
    await post(s.port, json(s.batchCode));
    const served = s.lane.served;

    // Read by the lane, then handed over with its bytes put back.
    const located = await post(
      s.port,
      json(s.batchCode, { location: { lat: 15.1, lng: 108.8, consent: true } }),
    );
    expect(located.status).toBe(200);
    expect(JSON.parse(located.body).verdict).toBe('genuine');
    const cases: [string, number][] = [
      ['{"code":', 400],
      [json(s.batchCode, { extra: 1 }), 400],
      ['{"__proto__":{"x":1},"code":"a"}', 400],
      [json(`${s.batchCode}\u0000`), 400],
      [JSON.stringify({ code: 'x'.repeat(4097) }), 400],
      [json(s.batchCode, { deviceId: 'short' }), 400],
      ['[]', 400],
    ];
    for (const [body, status] of cases) {
      const a = await post(s.port, body);
      expect([body.slice(0, 30), a.status]).toEqual([body.slice(0, 30), status]);
      expect(a.headers['content-type']).toContain('application/problem+json');
    }
    // Not read at all: other types, codings, a signed-in caller.
    expect((await post(s.port, json(s.batchCode), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(s.port, json(s.batchCode), { 'content-encoding': 'gzip' })).status).toBe(415);
    const signedIn = await post(s.port, json(s.batchCode), { authorization: s.admin.authorization });
    expect(JSON.parse(signedIn.body).verdict).toBe('genuine');
    // A body that does not come with its headers: Fastify reads it, with its own deadlines.
    const body = json(s.batchCode);
    const slow = await post(s.port, [body.slice(0, 10), body.slice(10)], {}, 50);
    expect(slow.status).toBe(200);
    expect(JSON.parse(slow.body).verdict).toBe('genuine');

    expect(s.lane.served).toBe(served);
    expect(s.lane.handedOver).toBe(1 + cases.length + 1);
    // And the lane still answers afterwards, on the same kept answer.
    await post(s.port, json(s.batchCode));
    expect(s.lane.served).toBe(served + 1);
  });

  it('keeps pipelined answers in order, mixed with the route, and honours Connection: close', async () => {
    const s = await serve();
    for (let i = 0; i < 3; i++) await post(s.port, json(s.batchCode));
    const served = s.lane.served;
    const request = (body: string, extra = '') =>
      `POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
    const socket = connect(s.port, '127.0.0.1');
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const closed = new Promise((r) => socket.on('close', r));
    socket.write(
      request(json(s.batchCode)) + // kept: at once
        request(json('not a code')) + // computed: a while later
        request(json(s.batchCode, { location: { lat: 15.1, lng: 108.8, consent: true } })) + // the route
        request(json(s.batchCode)) +
        request(json(s.batchCode), 'Connection: close\r\n'),
    );
    await closed; // the server closed it after the fifth answer
    const answers = out.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((a) => /^HTTP\/1\.1 (\d+)/.exec(a)?.[1])).toEqual(['200', '200', '200', '200', '200']);
    expect(answers.map((a) => /"verdict":"([a-z_]+)"/.exec(a)?.[1])).toEqual([
      'genuine',
      'unknown',
      'genuine',
      'genuine',
      'genuine',
    ]);
    expect(s.lane.served - served).toBe(4);
    expect(s.lane.handedOver).toBe(1);
  });

  it('stands aside from shutdown on', async () => {
    const s = await serve();
    for (let i = 0; i < 3; i++) await post(s.port, json(s.batchCode));
    expect(s.lane.ready).toBe(true);
    s.lane.close();
    expect(s.lane.ready).toBe(false);
    expect((await post(s.port, json(s.batchCode))).status).toBe(200);
    expect(s.lane.served).toBe(2);
  });

  it("is closed by the app's close (its preClose hook)", async () => {
    const s = await serve();
    for (let i = 0; i < 3; i++) await post(s.port, json(s.batchCode));
    expect(s.lane.ready).toBe(true);
    open = open.filter((o) => o.app !== s.app);
    await s.app.close();
    await s.db.drop();
    expect(s.lane.ready).toBe(false);
  });
});

describe('VerifyLane in front of a plain listener', () => {
  const silent = {
    level: 'silent',
    fatal: () => {},
    error: () => {},
    warn: () => {},
    info: () => {},
    debug: () => {},
    trace: () => {},
    silent: () => {},
    child: () => silent,
  } as unknown as LaneOptions['log'];

  /** A server whose own listener echoes the body it reads (with 299), the lane in front of it. */
  async function echoing(
    answer: LaneOptions['answer'],
    compute: LaneOptions['compute'] = () => Promise.reject(new Error('no computed answer here')),
  ) {
    const server = createServer((req, res) => {
      const got: Buffer[] = [];
      req.on('data', (c: Buffer) => got.push(c));
      req.on('end', () => {
        res.writeHead(299, { 'content-type': 'text/plain' });
        res.end(Buffer.concat(got));
      });
    });
    let count = 0;
    const lane = new VerifyLane({
      answer,
      compute,
      limiter: () => ({
        max: 100,
        timeWindow: 60_000,
        hit: () => ({ current: ++count, ttl: 60_000 }),
        peek: () => ({ current: count, ttl: 60_000 }),
      }),
      noteVerdict: () => {},
      trustProxy: false,
      log: silent,
    });
    lane.install(server);
    lane.learn({ 'content-type': 'application/json; charset=utf-8', 'x-frame-options': 'DENY' });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { server, lane, port: (server.address() as AddressInfo).port };
  }

  it('answers with the learned headers, or puts the bytes back for the listener (also when computing fails)', async () => {
    const { server, lane, port } = await echoing((body) =>
      body.code === 'kept' ? { body: '{"verdict":"genuine"}', encoding: 'latin1', verdict: 'genuine' } : null,
    );
    try {
      const kept = await post(port, json('kept'));
      expect([kept.status, kept.body, kept.headers['x-frame-options']]).toEqual([
        200,
        '{"verdict":"genuine"}',
        'DENY',
      ]);
      expect(kept.headers['x-ratelimit-remaining']).toBe('99');
      const other = json('not kept', { deviceId: 'device-0001' });
      expect(await post(port, other)).toMatchObject({ status: 299, body: other });
      const split = json('kept');
      expect(await post(port, [split.slice(0, 5), split.slice(5)], {}, 30)).toMatchObject({
        status: 299,
        body: split,
      });
      expect([lane.served, lane.handedOver]).toEqual([1, 2]);
    } finally {
      server.close();
    }
  });

  it('hands the request over when the lane itself fails', async () => {
    const { server, lane, port } = await echoing(() => {
      throw new Error('a fault of the lane');
    });
    try {
      const body = json('kept');
      expect(await post(port, body)).toMatchObject({ status: 299, body });
      expect([lane.served, lane.handedOver]).toEqual([0, 1]);
    } finally {
      server.close();
    }
  });

  it('hands the request over whole when a computed answer cannot be sent', async () => {
    const unsendable = {
      encoding: 'utf8' as const,
      verdict: 'genuine',
      get body(): string {
        throw new Error('a fault while sending');
      },
    };
    const { server, lane, port } = await echoing(
      () => null,
      async () => unsendable,
    );
    try {
      const body = json('computed', { deviceId: 'device-0001', area: 'Sơn Tịnh' });
      expect(await post(port, body)).toMatchObject({ status: 299, body });
      expect([lane.served, lane.handedOver]).toEqual([0, 1]);
    } finally {
      server.close();
    }
  });
});

describe('laneBody', () => {
  it('takes only what the schema plainly accepts', () => {
    expect(laneBody('{"code":"x"}')).toEqual({ code: 'x' });
    expect(laneBody('{"code":"x","deviceId":"12345678","area":"Huế"}')).toEqual({
      code: 'x',
      deviceId: '12345678',
      area: 'Huế',
    });
    for (const text of [
      '',
      'null',
      '"x"',
      '[]',
      '{}',
      '{"code":1}',
      '{"code":"x","deviceId":"1234567"}',
      '{"code":"x","area":""}',
      '{"code":"x","location":{"lat":1,"lng":2,"consent":true}}',
      '{"code":"x","constructor":{}}',
      '{"code":"\\ud83d\\ude00"}', // a pair: the schema counts code points, the lane hands it over
      '{"code":"\\ud800"}',
      '{"code":"a\\u0000"}',
      JSON.stringify({ code: 'x'.repeat(4097) }),
    ]) {
      expect([text.slice(0, 40), laneBody(text)]).toEqual([text.slice(0, 40), null]);
    }
  });
});
