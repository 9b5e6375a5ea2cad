import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { dummyHash, verifyPassword } from '../../auth/passwords.ts';
import { currentUser } from '../../plugins/auth.ts';
import { AppError } from '../../errors.ts';
import { problems } from '../common-schemas.ts';
import { Me, TokenRequest, TokenResponse } from './schemas.ts';

const auth: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/v1/auth/token',
    {
      config: {
        access: 'public',
        // Sign-in is rate-limited per client address (reliability: credential stuffing).
        rateLimit: { max: 10, timeWindow: '1 minute' },
      },
      schema: {
        tags: ['auth'],
        operationId: 'createToken',
        summary: 'Sign in with email and password; returns a bearer token',
        body: TokenRequest,
        response: { 200: TokenResponse, ...problems(400, 401, 415, 429) },
      },
    },
    async (request) => {
      const email = request.body.email.trim().toLowerCase();
      const user = await app.db
        .selectFrom('users')
        .select(['id', 'password_hash', 'disabled_at'])
        .where('email', '=', email)
        .executeTakeFirst();
      // Always run one scrypt comparison, so response time does not reveal whether the email exists.
      const ok = await verifyPassword(request.body.password, user?.password_hash ?? (await dummyHash()));
      if (!user || !ok || user.disabled_at) throw new AppError('invalid_credentials');
      const { token, expiresIn } = await app.issueAccessToken(user.id);
      return { access_token: token, token_type: 'Bearer' as const, expires_in: expiresIn };
    },
  );

  app.get(
    '/api/v1/me',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        operationId: 'getMe',
        summary: 'The signed-in user',
        security: [{ bearerAuth: [] }],
        response: { 200: Me, ...problems(401) },
      },
    },
    async (request) => {
      const u = currentUser(request);
      return {
        id: u.id,
        email: u.email,
        role: u.role,
        displayName: u.displayName,
        producerId: u.producerId,
        adminUnitId: u.adminUnitId,
      };
    },
  );
};

export default auth;
