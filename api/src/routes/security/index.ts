import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.ts';
import { currentUser } from '../../plugins/auth.ts';
import { listAlerts } from '../../security/alerts.ts';
import { signCheckpoint, verifyCheckpoint } from '../../security/checkpoints.ts';
import { DEFAULT_PAGE_SIZE } from '../common-schemas.ts';
import { bearer, errors, named, pageOf } from '../route-helpers.ts';
import {
  AuditCheckpoint,
  AuditCheckpointBody,
  AuditCheckpointCheck,
  SecurityAlertPage,
  SecurityAlertQuery,
} from './schemas.ts';

/**
 * For the OCOP office (issue 8): security alerts (daily issuance quota refusals, enumeration) and
 * signed checkpoints of the audit chain (K02; security/checkpoints.ts).
 */
const security: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, opts) => {
  app.get(
    '/api/v1/security/alerts',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['security'],
        operationId: 'listSecurityAlerts',
        summary: 'Security alerts, latest first: issuance quota refusals and suspected code enumeration',
        security: bearer,
        querystring: SecurityAlertQuery,
        response: { 200: named(SecurityAlertPage), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listAlerts(app.db, {
        kind: q.kind,
        limit: q.limit ?? DEFAULT_PAGE_SIZE,
        offset: q.offset ?? 0,
      });
      return pageOf(items, total, q);
    },
  );

  app.post(
    '/api/v1/audit/checkpoints',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['audit'],
        operationId: 'signAuditCheckpoint',
        summary: 'Sign the head of the audit chain (a JWS to keep off this machine)',
        description:
          'Refused with 409 while the chain is broken. Keep the checkpoint elsewhere; ' +
          'POST /api/v1/audit/checkpoints/verify (or `api/src/cli/audit-checkpoint.ts verify`) tells whether the log still matches it.',
        security: bearer,
        response: { 201: named(AuditCheckpoint), ...errors(401, 403, 409) },
      },
    },
    async (request, reply) => {
      const signed = await signCheckpoint(app.db, await app.keys.signer(), opts.config.publicBaseUrl);
      request.log.info({ seq: signed.seq, kid: signed.kid, by: currentUser(request).id }, 'audit checkpoint');
      return reply.code(201).send(signed);
    },
  );

  app.post(
    '/api/v1/audit/checkpoints/verify',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['audit'],
        operationId: 'verifyAuditCheckpoint',
        summary: 'Does the audit log still match a signed checkpoint?',
        security: bearer,
        body: AuditCheckpointBody,
        response: { 200: named(AuditCheckpointCheck), ...errors(400, 401, 403, 415) },
      },
    },
    async (request) =>
      verifyCheckpoint(app.db, request.body.checkpoint, await app.keys.all({ refresh: true })),
  );
};

export default security;
