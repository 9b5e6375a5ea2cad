import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { createDb, verifyAuditChain, type Database } from '@ocop/db';
import { main } from '../api/src/cli/audit-checkpoint.ts';
import { buildTestApp, createUser, type TestApp } from './helpers/app.ts';
import { cliEnvironment } from './helpers/cli.ts';

/**
 * reliability.md K02: a superuser edits an audit entry. The chain verifier names it; a signed
 * checkpoint kept off the machine no longer matches — even when the editor re-chained every later
 * hash so that the chain verifies again. On throwaway databases, with the guard trigger lifted as
 * only an owner could (as db-constraints.test.ts does).
 */

async function addProducers(db: Kysely<Database>, names: string[]) {
  for (const name of names) await db.insertInto('producers').values({ name, kind: 'HKD' }).execute();
}

/** Alter entry `seq`'s data, then (when `rechain`) recompute every hash from there on. */
async function tamper(db: Kysely<Database>, seq: number, rechain: boolean) {
  await db.transaction().execute(async (trx) => {
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(trx);
    await sql`update audit_log set data = jsonb_set(data, '{name}', '"Chủ thể giả mạo"') where seq = ${seq}`.execute(
      trx,
    );
    if (rechain) {
      await sql`select set_config('ocop_test.from_seq', ${String(seq)}, true)`.execute(trx);
      await sql`
        do $$
        declare r record; prev text;
        begin
          select hash into prev from audit_log where seq = current_setting('ocop_test.from_seq')::bigint - 1;
          for r in select * from audit_log where seq >= current_setting('ocop_test.from_seq')::bigint order by seq loop
            update audit_log set prev_hash = prev,
              hash = encode(sha256(convert_to(audit_material(prev, r.seq, r.occurred_at, r.actor_id, r.action,
                r.entity, r.entity_id, r.data), 'UTF8')), 'hex')
            where seq = r.seq returning hash into prev;
          end loop;
        end $$`.execute(trx);
    }
    await sql`alter table audit_log enable trigger audit_log_no_update`.execute(trx);
  });
}

async function headSeq(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('audit_log')
    .select('seq')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  return Number(r.seq);
}

describe('signed audit checkpoints (K02), through the admin API', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof createUser>>;
  const sign = () =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/audit/checkpoints',
      headers: { authorization: admin.authorization },
    });
  const check = async (checkpoint: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/audit/checkpoints/verify',
      headers: { authorization: admin.authorization },
      payload: { checkpoint },
    });
    expect(res.statusCode).toBe(200);
    return res.json<Record<string, unknown>>();
  };

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createUser(t.app, 'admin');
    await addProducers(t.app.db, ['Chủ thể A', 'Chủ thể B', 'Chủ thể C']);
  });
  afterAll(async () => t?.close());

  it('signs the chain head as an ES256 JWS that keeps matching as the log grows', async () => {
    const res = await sign();
    expect(res.statusCode).toBe(201);
    const cp = res.json();
    expect(cp.seq).toBe(await headSeq(t.app.db));
    expect(cp.checkpoint.split('.')).toHaveLength(3);
    expect(JSON.parse(Buffer.from(cp.checkpoint.split('.')[0], 'base64url').toString())).toEqual({
      alg: 'ES256',
      kid: cp.kid,
      typ: 'ocop-audit-checkpoint+jws',
    });
    await addProducers(t.app.db, ['Chủ thể D']);
    expect(await check(cp.checkpoint)).toMatchObject({ matches: true, reason: null, seq: cp.seq });

    // An altered or foreign checkpoint does not verify.
    const [h, p, s] = cp.checkpoint.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, seq: 1 })).toString('base64url')}.${s}`;
    expect(await check(forged)).toMatchObject({ matches: false, reason: 'signature' });
    expect(await check('a.b.c')).toMatchObject({ matches: false, reason: 'malformed' });
  });

  it('no longer matches once an entry is edited, and then refuses to sign the broken chain', async () => {
    const cp = (await sign()).json();
    const target = cp.seq - 2;
    await tamper(t.app.db, target, false);
    const after = await check(cp.checkpoint);
    expect(after).toMatchObject({ matches: false, reason: 'chain_broken', firstBrokenSeq: target });
    const refused = await sign();
    expect(refused.statusCode).toBe(409);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
  });
});

describe('signed audit checkpoints (K02), from the command line', () => {
  let env: Awaited<ReturnType<typeof cliEnvironment>>;
  let handle: { db: Kysely<Database>; close(): Promise<void> } | undefined;

  /** The CLI's database, opened by the test between two runs (PGlite allows one opener). */
  async function open(): Promise<Kysely<Database>> {
    handle = env.db
      ? createDb({ databaseUrl: env.db.url!, poolSize: 2 })
      : createDb({ dataDir: join(env.dir, 'pglite') });
    return handle.db;
  }
  const close = async () => {
    await handle?.close();
    handle = undefined;
  };
  async function run(...args: string[]): Promise<{ code: number; out: string[] }> {
    const out: string[] = [];
    const code = await main(
      args,
      (l) => out.push(l),
      () => checkpoint,
    );
    return { code, out };
  }
  let checkpoint = '';

  beforeAll(async () => {
    env = await cliEnvironment('checkpoint-cli', { kek: 5, auth: 6 });
  });
  afterAll(async () => {
    await close();
    await env?.restore();
  });

  it(
    'signs, verifies, and reports a re-chained log that the chain verifier accepts',
    { timeout: 120_000 },
    async () => {
      expect((await run('verify')).code).toBe(2);
      // The first run migrates and creates the key; some entries exist, add a few to edit.
      expect((await run('sign')).code).toBe(0);
      await addProducers(await open(), ['Chủ thể E', 'Chủ thể F', 'Chủ thể G']);
      await close();

      const signed = await run('sign');
      expect(signed.code).toBe(0);
      expect(signed.out).toHaveLength(1);
      checkpoint = signed.out[0]!;
      expect(checkpoint).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(await run('verify', 'checkpoint.jws')).toEqual({
        code: 0,
        out: [expect.stringMatching(/^matches: /)],
      });

      // A careful editor rewrites an entry and every later hash: the chain verifies again...
      const edited = await open();
      const target = (await headSeq(edited)) - 1;
      await tamper(edited, target, true);
      expect(await verifyAuditChain(edited)).toMatchObject({ ok: true });
      await close();
      // ...but the checkpoint kept elsewhere no longer matches.
      const after = await run('verify', 'checkpoint.jws');
      expect(after.code).toBe(1);
      expect(after.out[0]).toMatch(/^DOES NOT MATCH \(hash_differs\)/);
    },
  );
});
