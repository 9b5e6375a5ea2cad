import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';

const Health = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    database: Type.Object({
      kind: Type.Union([Type.Literal('postgres'), Type.Literal('pglite')]),
      state: Type.Union([Type.Literal('up'), Type.Literal('down')]),
      latencyMs: Type.Optional(Type.Number()),
    }),
    version: Type.String(),
  },
  { $id: 'Health' },
);

/** `GET /api/health`: liveness plus the database state; 503 when the database is down. */
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['system'],
        operationId: 'getHealth',
        summary: 'Service and database health',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const started = performance.now();
      const kind = app.dbHandle.kind;
      try {
        await Promise.race([
          sql`select 1`.execute(app.db),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error('health check timed out')), 2_000).unref(),
          ),
        ]);
        const latencyMs = Math.round((performance.now() - started) * 10) / 10;
        return {
          status: 'ok' as const,
          database: { kind, state: 'up' as const, latencyMs },
          version: '0.1.0',
        };
      } catch {
        reply.header('retry-after', '5');
        return reply.status(503).send({
          status: 'degraded' as const,
          database: { kind, state: 'down' as const },
          version: '0.1.0',
        });
      }
    },
  );
};

export default health;
