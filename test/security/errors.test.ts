import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSecApp, type SecApp } from './support.ts';

/**
 * V14: forced internal errors and database errors never reach the client as text: a 5xx body is the
 * generic problem with no message, stack or driver text; a unique violation is a 409.
 */
let t: SecApp;
const logged: string[] = [];
beforeAll(async () => {
  t = await buildSecApp(
    {},
    {},
    (app) => {
      app.get('/api/test/throw', { config: { access: 'public' } }, async () => {
        throw new Error('kaboom: secret internal detail /srv/app/private.pem');
      });
      app.get('/api/test/pg-syntax', { config: { access: 'public' } }, async () => {
        await sql`select no_such_column from users`.execute(app.db);
        return {};
      });
      app.get('/api/test/pg-unique', { config: { access: 'public' } }, async () => {
        const values = {
          email: 'dup@test.ocop.vn',
          password_hash: 'x',
          display_name: 'Dup',
          role: 'inspector' as const,
        };
        await app.db.insertInto('users').values(values).execute();
        await app.db.insertInto('users').values(values).execute();
        return {};
      });
      app.get('/api/test/non-error', { config: { access: 'public' } }, async () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw { message: 'not an Error object', statusCode: 500 };
      });
    },
    {
      logger: {
        level: 'error',
        stream: { write: (line: string) => void logged.push(line) },
      },
    },
  );
});
afterAll(async () => t?.close());

describe('errors never leak internals (V14)', () => {
  it.each(['/api/test/throw', '/api/test/pg-syntax', '/api/test/non-error'])(
    '%s: 500 with the generic problem, no message, stack or driver text',
    async (url) => {
      const res = await t.app.inject({ url });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body).toMatchObject({ status: 500, code: 'internal_error' });
      expect(body.detail).toBeUndefined();
      expect(res.body).not.toMatch(
        /kaboom|private\.pem|no_such_column|column|stack|at \w+ \(|users|not an Error/i,
      );
    },
  );

  it('the detail is logged with the request id, for the operator', async () => {
    const res = await t.app.inject({ url: '/api/test/throw' });
    expect(res.statusCode).toBe(500);
    expect(logged.join('\n')).toMatch(/kaboom/);
    expect(logged.join('\n')).toMatch(/"reqId"/);
  });

  it('a unique violation is a 409 conflict without the constraint name', async () => {
    const res = await t.app.inject({ url: '/api/test/pg-unique' });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('conflict');
    expect(res.body).not.toMatch(/users_email|duplicate key|constraint/i);
  });

  it('an unknown route is a problem+json 404, an unknown method a 404 or 405, never a stack', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/api/health' });
    expect([404, 405]).toContain(res.statusCode);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
