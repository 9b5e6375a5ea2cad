import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '@ocop/db';
import { buildTestApp, createUser, type TestApp } from '../../../../test/helpers/app.ts';
import { runRetention } from '../../jobs/retention.ts';
import { normalizeContact } from './queries.ts';

let t: TestApp;
let admin: Awaited<ReturnType<typeof createUser>>;
let seq = 0;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createUser(t.app, 'admin');
});
afterAll(async () => t?.close());

async function report(body: Record<string, unknown>): Promise<string> {
  seq += 1;
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/reports',
    remoteAddress: `192.0.2.${seq}`,
    payload: { reason: 'fake', lang: 'vi', ...body },
  });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

describe('P02: export and erasure of a reporter’s data (admin, Law 91/2025)', () => {
  it('normalises phone numbers and emails the same way in JS and SQL', () => {
    expect(normalizeContact(' +84 905.123-456 ')).toBe('0905123456');
    expect(normalizeContact('0905 123 456')).toBe('0905123456');
    expect(normalizeContact(' An.Nguyen@Example.VN ')).toBe('an.nguyen@example.vn');
  });

  it('exports every report of the reporter, whatever way they wrote their number, and nobody else’s', async () => {
    const a = await report({ contact: '0905 123 456', place: 'Chợ Ba La', details: 'Tem in mờ' });
    const b = await report({ contact: '+84905123456', details: 'Lần hai' });
    const other = await report({ contact: '0905 999 999' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/privacy/reporters/export',
      headers: { authorization: admin.authorization },
      payload: { contact: '84 905 123 456' },
    });
    expect(res.statusCode).toBe(200);
    const ids = res.json().reports.map((r: { id: string }) => r.id);
    expect(ids.sort()).toEqual([a, b].sort());
    expect(ids).not.toContain(other);
    expect(res.json().reports[0]).toMatchObject({ place: 'Chợ Ba La', details: 'Tem in mờ' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('erases contact, place and details, keeps the counts, and audits without the contact', async () => {
    const a = await report({ contact: 'reporter@example.vn', place: 'Chợ Đức Phổ', details: 'Gọi tôi' });
    const b = await report({
      contact: 'Reporter@Example.vn ',
      verdict: 'forged',
      code: 'https://x.test/01/1',
    });
    const before = await sql<{ n: number }>`select count(*)::int as n from reports`.execute(t.app.db);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/privacy/reporters/erase',
      headers: { authorization: admin.authorization },
      payload: { contact: 'REPORTER@example.vn' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().reports).toBe(2);
    const rows = await t.app.db
      .selectFrom('reports')
      .selectAll()
      .where('id', 'in', [a, b])
      .orderBy('created_at')
      .execute();
    for (const r of rows) {
      expect(r.contact).toBeNull();
      expect(r.place).toBeNull();
      expect(r.details).toBeNull();
    }
    expect(rows.map((r) => [r.reason, r.verdict])).toEqual([
      ['fake', null],
      ['fake', 'forged'],
    ]);
    const after = await sql<{ n: number }>`select count(*)::int as n from reports`.execute(t.app.db);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    // Nothing left to export.
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/privacy/reporters/export',
      headers: { authorization: admin.authorization },
      payload: { contact: 'reporter@example.vn' },
    });
    expect(again.json().reports).toEqual([]);
    // The audit log records the request and who made it, never the contact.
    const audit = await t.app.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'data'])
      .where('action', 'in', ['privacy_export', 'privacy_erasure'])
      .execute();
    expect(audit.map((e) => e.action)).toContain('privacy_erasure');
    expect(audit.every((e) => e.actor_id === admin.id)).toBe(true);
    expect(JSON.stringify(audit)).not.toMatch(/reporter@|example\.vn|0905/i);
    expect(await verifyAuditChain(t.app.db)).toMatchObject({ ok: true });
  });

  it('only an admin may ask; the contact never goes in the URL', async () => {
    for (const role of ['officer', 'inspector'] as const) {
      const u = await createUser(t.app, role, role === 'officer' ? { adminUnitId: 'qng-2025-ly-son' } : {});
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/privacy/reporters/export',
        headers: { authorization: u.authorization },
        payload: { contact: 'x@example.vn' },
      });
      expect(res.statusCode).toBe(403);
    }
    const anon = await t.app.inject({
      method: 'POST',
      url: '/api/v1/privacy/reporters/erase',
      payload: { contact: 'x@example.vn' },
    });
    expect(anon.statusCode).toBe(401);
    const openapi = (await t.app.inject({ url: '/api/openapi.json' })).json();
    const paths = Object.keys(openapi.paths as object).filter((p) => p.includes('privacy'));
    expect(paths.every((p) => !p.includes('{'))).toBe(true);
  });
});

describe('P01: retention of personal data', () => {
  it('erases reporters’ contact, place and details after N days and keeps the reports', async () => {
    const old = await report({ contact: 'old@example.vn', place: 'Chợ cũ', details: 'cũ' });
    const recent = await report({ contact: 'new@example.vn', place: 'Chợ mới' });
    await sql`update reports set created_at = now() - interval '400 days' where id = ${old}`.execute(
      t.app.db,
    );
    const dry = await runRetention(t.app.db, { reportDays: 365, dryRun: true });
    expect(dry.reports).toBeGreaterThanOrEqual(1);
    const stillThere = await t.app.db
      .selectFrom('reports')
      .select('contact')
      .where('id', '=', old)
      .executeTakeFirstOrThrow();
    expect(stillThere.contact).toBe('old@example.vn');
    const result = await runRetention(t.app.db, { reportDays: 365 });
    expect(result.reports).toBe(dry.reports);
    const rows = await t.app.db
      .selectFrom('reports')
      .select(['id', 'contact', 'place', 'details', 'reason'])
      .where('id', 'in', [old, recent])
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(old)).toMatchObject({ contact: null, place: null, details: null, reason: 'fake' });
    expect(byId.get(recent)).toMatchObject({ contact: 'new@example.vn', place: 'Chợ mới' });
    // A second run finds nothing more to do.
    expect((await runRetention(t.app.db, { reportDays: 365 })).reports).toBe(0);
  });

  it('refuses a retention period that is not a positive number of days', async () => {
    await expect(runRetention(t.app.db, { scanDays: 0 })).rejects.toThrow(/positive integer/);
    await expect(runRetention(t.app.db, { reportDays: Number.NaN })).rejects.toThrow(/positive integer/);
  });
});
