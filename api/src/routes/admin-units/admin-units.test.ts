import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../../test/helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t?.close());

describe('GET /api/v1/admin-units', () => {
  it('lists units for forms: by date, level, parent and folded name, with successors', async () => {
    const now = (await t.app.inject({ url: '/api/v1/admin-units?on=2026-01-01&level=province' })).json();
    expect(now.items.map((u: { id: string }) => u.id)).toEqual(['qng-2025']);
    const before = (await t.app.inject({ url: '/api/v1/admin-units?on=2025-06-30&level=province' })).json();
    expect(before.items.map((u: { id: string }) => u.id).sort()).toEqual(['ktm-tinh', 'qng-tinh']);
    expect(before.items.find((u: { id: string }) => u.id === 'ktm-tinh').successorIds).toEqual(['qng-2025']);
    const lySon = (await t.app.inject({ url: '/api/v1/admin-units?q=ly%20son&on=2026-01-01' })).json();
    expect(lySon.items.map((u: { name: string }) => u.name)).toEqual(['Đặc khu Lý Sơn']);
    const children = (await t.app.inject({ url: '/api/v1/admin-units?parentId=qng-ly-son-huyen' })).json();
    expect(children.total).toBe(3);
    expect((await t.app.inject({ url: '/api/v1/admin-units?level=county' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/v1/admin-units?page=2' })).statusCode).toBe(400);
  });
});

describe('GET /api/v1/categories', () => {
  it('gives the taxonomy of the criteria set in force, or of a given one', async () => {
    const groups = (await t.app.inject({ url: '/api/v1/categories?parentCode=I.1' })).json();
    expect(groups.items.map((c: { code: string }) => c.code)).toEqual(['I.1.a', 'I.1.b']);
    const all = (await t.app.inject({ url: '/api/v1/categories' })).json();
    expect(all.items.filter((c: { level: string }) => c.level === 'group')).toHaveLength(6);
    const none = (await t.app.inject({ url: '/api/v1/categories?criteriaSetId=unknown' })).json();
    expect(none.items).toEqual([]);
  });
});
