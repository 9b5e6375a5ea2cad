import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Access } from '../api/src/access.ts';
import { buildApp } from '../api/src/app.ts';
import { testConfig } from '../api/src/config.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';
import { createUser } from './helpers/app.ts';

/**
 * The OpenAPI document (issue 3, "OpenAPI"): valid OpenAPI 3.1 by a real validator, complete by
 * construction (tags, operationId, a response per status), bearer auth declared on private
 * operations, named component schemas for the main resources, and the Swagger UI served.
 */

interface Operation {
  tags?: string[];
  operationId?: string;
  security?: Record<string, string[]>[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
}
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

let db: TestDb;
let app: FastifyInstance;
let doc: Doc;
let adminAuth: string;
const access = new Map<string, Access>();

/** `/api/v1/products/:id` → `/api/v1/products/{id}`, as the document writes paths. */
const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

beforeAll(async () => {
  db = await createTestDb();
  app = await buildApp(testConfig(), {
    db,
    onRoute: (route: RouteOptions) => {
      for (const method of [route.method].flat()) {
        if (route.config?.access !== undefined) {
          access.set(`${method.toLowerCase()} ${openapiPath(route.url)}`, route.config.access);
        }
      }
    },
  });
  await app.ready();
  adminAuth = (await createUser(app, 'admin')).authorization;
  const res = await app.inject({ url: '/api/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = res.json<Doc>();
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

function operations(): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]): [string, string, Operation] => [method, path, op]),
  );
}

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('gives every operation tags, a unique operationId and responses', () => {
    const ids = new Map<string, string>();
    const problems: string[] = [];
    for (const [method, path, op] of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!op.tags?.length) problems.push(`${where}: no tags`);
      if (!op.operationId) problems.push(`${where}: no operationId`);
      else if (ids.has(op.operationId))
        problems.push(`${where}: operationId ${op.operationId} also on ${ids.get(op.operationId)}`);
      else ids.set(op.operationId, where);
      if (!op.responses || Object.keys(op.responses).length === 0) problems.push(`${where}: no responses`);
    }
    expect(problems).toEqual([]);
    expect(ids.size).toBeGreaterThan(40);
  });

  it('declares bearer auth and its problems on private operations, 400 on operations with a body', () => {
    expect(doc.components.securitySchemes.bearerAuth).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    const problems: string[] = [];
    for (const [method, path, op] of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      const a = access.get(`${method} ${path}`);
      const responses = Object.keys(op.responses ?? {});
      if (a !== undefined && a !== 'public') {
        if (!op.security?.some((s) => 'bearerAuth' in s)) problems.push(`${where}: no bearerAuth security`);
        if (!responses.includes('401')) problems.push(`${where}: 401 not documented`);
        if (a !== 'authenticated' && !responses.includes('403'))
          problems.push(`${where}: 403 not documented`);
      }
      if (op.requestBody && !responses.includes('400')) problems.push(`${where}: 400 not documented`);
    }
    expect(problems).toEqual([]);
  });

  it('names the component schemas of the main resources', () => {
    for (const name of [
      'Problem',
      'Producer',
      'ProductSummary',
      'ProductDetail',
      'Certificate',
      'Zone',
      'Batch',
      'BatchEvent',
      'User',
      'AdminUnit',
      'AuditEntry',
    ]) {
      expect(doc.components.schemas, name).toHaveProperty(name);
    }
    const get = doc.paths['/api/v1/products/{id}']?.get;
    expect(JSON.stringify(get?.responses?.['200'])).toContain('#/components/schemas/ProductDetail');
    expect(JSON.stringify(get?.responses?.['404'])).toContain('#/components/schemas/Problem');
  });

  it('documents every status an operation answers (sampled: anonymous, and admin with an empty body)', async () => {
    const undocumented: string[] = [];
    for (const [method, path, op] of operations()) {
      const url = path.replace(/\{[^}]+\}/g, (m) =>
        /id\}$/i.test(m) ? '00000000-0000-4000-8000-00000000abcd' : 'x',
      );
      const hasBody = op.requestBody !== undefined;
      for (const authorization of [undefined, adminAuth]) {
        const res = await app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          headers: {
            ...(authorization ? { authorization } : {}),
            ...(hasBody ? { 'content-type': 'application/json' } : {}),
          },
          ...(hasBody ? { payload: '{}' } : {}),
        });
        // Rate limits and server faults can answer any operation; everything else must be listed.
        if (res.statusCode === 429 || res.statusCode >= 500) continue;
        if (!(String(res.statusCode) in (op.responses ?? {}))) {
          undocumented.push(
            `${method.toUpperCase()} ${path} answered ${res.statusCode}${authorization ? ' (admin)' : ''}`,
          );
        }
      }
    }
    expect(undocumented).toEqual([]);
  });
});

describe('GET /api/docs', () => {
  it('serves the Swagger UI over the same document', async () => {
    const page = await app.inject({ url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    const init = await app.inject({ url: '/api/docs/static/swagger-initializer.js' });
    expect(init.statusCode).toBe(200);
    const json = await app.inject({ url: '/api/docs/json' });
    expect(json.statusCode).toBe(200);
    expect(Object.keys(json.json<Doc>().paths)).toEqual(Object.keys(doc.paths));
  });
});
