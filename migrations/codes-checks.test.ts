import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../test/helpers/db.ts';
import { FAST_PATH, FAST_SIG, SLOW_PATH, SLOW_SIG } from './src/20261129T090000Z-codes-fast-checks.ts';

/**
 * Migration 20261129T090000Z-codes-fast-checks rewrites two checks of `codes` for speed: they must
 * accept exactly the texts the original ones accept. Both are evaluated by the database itself
 * (PGlite, or PostgreSQL with DATABASE_URL) over boundary cases and thousands of random texts
 * shaped like codes.
 */
let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.drop());

// A seeded generator (mulberry32), so a failure can be replayed.
let seed = 0x5eed;
const rnd = (n: number) => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) % n;
};
const pick = <T>(xs: readonly T[]) => xs[rnd(xs.length)]!;
const DIGITS = '0123456789';
const REF = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LOT = 'ABCabcxyz019._-';
const SERIAL = 'ABCabc019';
const NOISE = ['I', 'L', 'O', 'U', 'a', '/', '?', '#', ' ', '\n', '%', '+', '=', 'é', '~', '.', '..'];
/** A text of `alphabet`; one in three has a stray character here and there. */
const text = (alphabet: string, length: number) => {
  const noisy = rnd(3) === 0;
  return Array.from({ length }, () =>
    noisy && rnd(15) === 0 ? pick(NOISE) : alphabet[rnd(alphabet.length)]!,
  ).join('');
};

function randomPath(): string {
  const gs1 = rnd(2) === 0;
  const head = gs1 ? `/01/${text(DIGITS, pick([13, 14, 14, 14, 15]))}` : `/p/${text(REF, 7 + rnd(5))}`;
  const lot = `/10/${text(LOT, rnd(22))}`;
  const serial = rnd(3) === 0 ? '' : `/21/${text(SERIAL, rnd(22))}`;
  const tail = rnd(4) > 0 ? '' : pick(['/', '/21/', '?k=x', '\n', ' ']);
  const prefix = rnd(8) > 0 ? '' : pick(['x', '//', 'https://h']);
  return prefix + head + lot + serial + tail;
}

function randomSig(): string {
  const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return text(b64, pick([0, 1, 85, 86, 86, 86, 86, 87, 100]));
}

async function compare(column: 'path' | 'sig', texts: string[]) {
  const [slow, fast] = column === 'path' ? [SLOW_PATH, FAST_PATH] : [SLOW_SIG, FAST_SIG];
  const { rows } = await sql<{ t: string; slow: boolean; fast: boolean }>`
    select ${sql.ref(column)} as t, (${slow}) as slow, (${fast}) as fast
    from unnest(${texts}::text[]) as u(${sql.ref(column)})`.execute(db.db);
  return rows;
}

describe('the checks of codes, as migrated', () => {
  /** The error inserting a code row with this path and signature (no batch or key behind it). */
  async function insertError(path: string, sig: string): Promise<string> {
    try {
      await sql`insert into codes (path, batch_id, kind, serial, origin, kid, sig)
        values (${path}, gen_random_uuid(), 'batch', null, 'https://ocop.example.vn', 'no-such-key', ${sig})`.execute(
        db.db,
      );
      return 'inserted';
    } catch (err) {
      return (err as Error).message;
    }
  }
  const good = { path: '/01/08939990000026/10/L1', sig: 'A'.repeat(86) };

  it('still refuse a new row with a bad path or signature (checked before the foreign keys)', async () => {
    expect(await insertError('/01/0893999000002/10/L1', good.sig)).toMatch(/codes_path/);
    expect(await insertError(`${good.path}/21/${'s'.repeat(21)}`, good.sig)).toMatch(/codes_path/);
    expect(await insertError(good.path, `${'A'.repeat(85)}=`)).toMatch(/codes_sig/);
    // Both checks pass: what stops this row is the missing batch.
    expect(await insertError(good.path, good.sig)).toMatch(/foreign key/);
  });
});

describe('the fast checks of codes accept exactly what the original ones did', () => {
  it('on the edges of every part of a path', async () => {
    const g = (n: number) => '8'.repeat(n);
    const r = (n: number) => 'A'.repeat(n);
    const paths = [
      `/01/${g(14)}/10/L1`,
      `/01/${g(13)}/10/L1`,
      `/01/${g(15)}/10/L1`,
      `/p/${r(7)}/10/L1`,
      `/p/${r(8)}/10/L1`,
      `/p/${r(10)}/10/L1`,
      `/p/${r(11)}/10/L1`,
      `/p/ABCDEFGI/10/L1`,
      `/p/abcdefgh/10/L1`,
      `/01/${g(14)}/10/${'x'.repeat(20)}`,
      `/01/${g(14)}/10/${'x'.repeat(21)}`,
      `/01/${g(14)}/10/`,
      `/01/${g(14)}/10/L1/21/${'s'.repeat(20)}`,
      `/01/${g(14)}/10/L1/21/${'s'.repeat(21)}`,
      `/01/${g(14)}/10/L1/21/`,
      `/01/${g(14)}/10/L1/21/a-b`,
      `/01/${g(14)}/10/21/21/abc`,
      `/01/${g(14)}/10/L1/21/abc/21/def`,
      `/01/${g(14)}/10/L1/`,
      `/01/${g(14)}/10/L1\n`,
      `/01/${g(14)}/10/L1/21/abc\n`,
      `/02/${g(14)}/10/L1`,
      `/p/${g(14)}/10/L1`,
      `/01/${r(8)}/10/L1`,
      `01/${g(14)}/10/L1`,
      `/01/${g(14)}/11/L1`,
      `/01/${g(14)}/10/L.1/21/S_1`,
      `/01/${g(14)}/10/..`,
      '',
      '/',
    ];
    const rows = await compare('path', paths);
    expect(rows.filter((x) => x.slow).length).toBeGreaterThan(5);
    for (const row of rows) expect(row.fast, JSON.stringify(row.t)).toBe(row.slow);
  });

  it('on 5,000 random texts shaped like paths', async () => {
    const paths = Array.from({ length: 5_000 }, randomPath);
    const rows = await compare('path', paths);
    const accepted = rows.filter((x) => x.slow).length;
    // Both sides of the rule are exercised.
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(4_700);
    for (const row of rows) expect(row.fast, JSON.stringify(row.t)).toBe(row.slow);
  });

  it('on signatures of every length around 86 and with stray characters', async () => {
    const sigs = [
      'A'.repeat(86),
      'A'.repeat(85),
      'A'.repeat(87),
      `${'A'.repeat(85)}=`,
      `${'A'.repeat(85)}\n`,
      `${'A'.repeat(85)}é`,
      `${'-_'.repeat(43)}`,
      '',
      ...Array.from({ length: 3_000 }, randomSig),
    ];
    const rows = await compare('sig', sigs);
    const accepted = rows.filter((x) => x.slow).length;
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(sigs.length - 100);
    for (const row of rows) expect(row.fast, JSON.stringify(row.t)).toBe(row.slow);
  });
});
