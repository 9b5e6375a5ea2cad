import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createDb } from './create-db.ts';

const handles = [createDb({ dataDir: 'memory' })];
if (process.env.DATABASE_URL) handles.push(createDb({ databaseUrl: process.env.DATABASE_URL }));
afterAll(async () => {
  for (const h of handles) await h.close();
});

describe.each(handles.map((h) => [h.kind, h] as const))('createDb on %s', (_kind, h) => {
  it('returns dates as YYYY-MM-DD strings, bigints as numbers, numerics as strings', async () => {
    const { rows } = await sql<{ d: unknown; b: unknown; n: unknown; t: unknown; a: unknown }>`
      select '2024-02-29'::date d, 12::bigint b, 1.50::numeric n, now() t, '{3,4}'::smallint[] a`.execute(
      h.db,
    );
    expect(rows[0]).toMatchObject({ d: '2024-02-29', b: 12, n: '1.50', a: [3, 4] });
    expect(rows[0]!.t).toBeInstanceOf(Date);
  });
});
