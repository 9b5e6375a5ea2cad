import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { migrateToLatest } from '@ocop/db';
import { createTestDb, type TestDb } from '../test/helpers/db.ts';
import { rng } from '../test/security/fuzz.ts';
import { FAST_DEVICE, SLOW_DEVICE, down, up } from './src/20261129T092000Z-scans-lean-writes.ts';

/**
 * Migration 20261129T092000Z-scans-lean-writes rewrites the device-hash check of `scans` for speed
 * (it must accept exactly what the original accepts, evaluated by the database itself) and moves
 * the primary key onto (path, scanned_at, id) in place of the (path, scanned_at) index.
 */
let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.drop());

const HEX = '0123456789abcdef';
const NOISE = ['A', 'F', 'g', 'z', ' ', '\n', 'é', '-', '0x'];
// Seeded, so a failure can be replayed.
const random = rng(0xdec0de);
const rnd = (n: number) => Math.floor(random() * n);
function randomHash(): string {
  const length = [0, 1, 63, 64, 64, 64, 64, 65, 128][rnd(9)]!;
  const noisy = rnd(3) === 0;
  return Array.from({ length }, () => (noisy && rnd(40) === 0 ? NOISE[rnd(NOISE.length)]! : HEX[rnd(16)]!)).join('');
}

const scan = (path: string, deviceHash: string | null, at = '2026-11-29T08:00:00Z') => sql`
  insert into scans (path, verdict, signed, device_hash, scanned_at)
  values (${path}, 'genuine', true, ${deviceHash}, ${at})`;

async function insertError(deviceHash: string | null): Promise<string> {
  try {
    await scan('/01/08939990000026/10/L1', deviceHash).execute(db.db);
    return 'inserted';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('scans, as migrated', () => {
  it('refuse a device hash that is not 64 lowercase hex digits, and take one that is', async () => {
    expect(await insertError('a'.repeat(63))).toMatch(/scans_device_hash/);
    expect(await insertError('A'.repeat(64))).toMatch(/scans_device_hash/);
    expect(await insertError(`${'a'.repeat(63)}\n`)).toMatch(/scans_device_hash/);
    expect(await insertError('0123456789abcdef'.repeat(4))).toBe('inserted');
    expect(await insertError(null)).toBe('inserted');
  });

  it('are keyed by (path, scanned_at, id), with no separate (path, scanned_at) index', async () => {
    const { rows } = await sql<{ name: string; def: string }>`
      select indexname as name, indexdef as def from pg_indexes where tablename = 'scans' order by 1`.execute(db.db);
    expect(rows.map((r) => r.name)).toEqual(['scans_pkey', 'scans_time_idx']);
    expect(rows[0]!.def).toMatch(/UNIQUE INDEX scans_pkey ON (public\.)?scans USING btree \(path, scanned_at, id\)/);
    // Two scans of one code in the same instant are two rows (the id tells them apart).
    await scan('/01/08939990000026/10/L2', null, '2026-11-29T09:00:00Z').execute(db.db);
    await scan('/01/08939990000026/10/L2', null, '2026-11-29T09:00:00Z').execute(db.db);
    const same = await sql<{ n: number }>`
      select count(*)::int as n from scans where path = '/01/08939990000026/10/L2'`.execute(db.db);
    expect(same.rows[0]!.n).toBe(2);
  });

  it('go down to the original key and index and up again, keeping every row', async () => {
    const count = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from scans`.execute(db.db)).rows[0]!.n;
    const before = await count();
    // Migrations are written against no schema type.
    const raw = db.db as unknown as Kysely<unknown>;
    await down(raw);
    const { rows } = await sql<{ name: string; def: string }>`
      select indexname as name, indexdef as def from pg_indexes where tablename = 'scans' order by 1`.execute(db.db);
    expect(rows.map((r) => r.name)).toEqual(['scans_path_time_idx', 'scans_pkey', 'scans_time_idx']);
    expect(rows[1]!.def).toMatch(/\(path, id\)/);
    expect(await insertError('A'.repeat(64))).toMatch(/scans_device_hash/);
    await up(raw);
    expect(await count()).toBe(before);
    // The migrator still sees the schema as latest.
    const again = await migrateToLatest(db.db);
    expect(again.error).toBeUndefined();
    expect(again.results ?? []).toEqual([]);
  });
});

describe('the fast device-hash check accepts exactly what the original one did', () => {
  it('on the edges and on 5,000 random texts shaped like hashes', async () => {
    const texts = [
      'a'.repeat(64),
      'a'.repeat(63),
      'a'.repeat(65),
      'f'.repeat(64),
      'g'.repeat(64),
      'A'.repeat(64),
      `${'a'.repeat(63)}\n`,
      `\n${'a'.repeat(63)}`,
      `${'a'.repeat(63)}é`,
      '',
      ...Array.from({ length: 5_000 }, randomHash),
    ];
    const { rows } = await sql<{ t: string; slow: boolean | null; fast: boolean | null }>`
      select device_hash as t, (${SLOW_DEVICE}) as slow, (${FAST_DEVICE}) as fast
      from unnest(${texts}::text[]) as u(device_hash)`.execute(db.db);
    const accepted = rows.filter((x) => x.slow).length;
    expect(accepted).toBeGreaterThan(1_000);
    expect(accepted).toBeLessThan(texts.length - 1_000);
    for (const row of rows) expect(row.fast, JSON.stringify(row.t)).toBe(row.slow);
  });
});
