import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Role } from '@ocop/db';
import type { Access } from '../access.ts';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';

/** The signed-in user as every handler sees it. */
export interface AuthUser {
  id: string;
  email: string;
  role: Role;
  displayName: string;
  producerId: string | null;
  adminUnitId: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthUser | null;
  }
  interface FastifyInstance {
    issueAccessToken(userId: string): Promise<{ token: string; expiresIn: number }>;
  }
}

/**
 * Session tokens (RFC 9068 shape): HS256 under AUTH_TOKEN_SECRET, `typ: at+jwt`, their own
 * audience, never the code-signing keys (RFC 8725 §3.11, §3.12: distinct keys and explicit typing so
 * a session token can never pass as a product code and vice versa). The user row is read on every
 * request, so a disabled user loses access at once.
 */
export const TOKEN_TYP = 'at+jwt';
export const TOKEN_AUDIENCE = 'ocop-trace:api';

export const authPlugin = fp(
  async (app: FastifyInstance, opts: { config: Readonly<Config> }) => {
    const key = app.secrets.authTokenSecret;
    const issuer = opts.config.publicBaseUrl;
    const ttl = opts.config.authTokenTtl;

    app.decorate('issueAccessToken', async (userId: string) => {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: TOKEN_TYP })
        .setSubject(userId)
        .setIssuer(issuer)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttl}s`)
        .sign(key);
      return { token, expiresIn: ttl };
    });

    app.decorateRequest('user', null);

    async function authenticate(request: FastifyRequest): Promise<AuthUser | null> {
      const header = request.headers.authorization;
      if (!header) return null;
      const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header);
      if (!m?.[1])
        throw new AppError('unauthenticated', 'The Authorization header must be "Bearer <token>".');
      let sub: string | undefined;
      try {
        const { payload } = await jwtVerify(m[1], key, {
          algorithms: ['HS256'],
          typ: TOKEN_TYP,
          audience: TOKEN_AUDIENCE,
          issuer,
        });
        sub = payload.sub;
      } catch (err) {
        const expired = err instanceof joseErrors.JWTExpired;
        throw new AppError(
          'unauthenticated',
          expired ? 'Your session has expired: sign in again.' : 'The token is not valid: sign in again.',
        );
      }
      if (!sub || !/^[0-9a-f-]{36}$/i.test(sub))
        throw new AppError('unauthenticated', 'The token is not valid: sign in again.');
      const row = await app.db
        .selectFrom('users')
        .select(['id', 'email', 'role', 'display_name', 'producer_id', 'admin_unit_id', 'disabled_at'])
        .where('id', '=', sub)
        .executeTakeFirst();
      if (!row || row.disabled_at)
        throw new AppError('unauthenticated', 'This account is disabled or no longer exists.');
      return {
        id: row.id,
        email: row.email,
        role: row.role,
        displayName: row.display_name,
        producerId: row.producer_id,
        adminUnitId: row.admin_unit_id,
      };
    }

    // Enforce each route's declared access (access.ts). Public routes ignore a bad token rather than
    // failing, so a stale token in a browser never blocks verifying a product. Runs on request, before
    // the body is parsed and validated: an anonymous caller of a private route gets 401, never a 400
    // or 415 that would tell them about the route's input.
    async function authorize(request: FastifyRequest, access: Access): Promise<void> {
      if (access === 'public') {
        try {
          request.user = await authenticate(request);
        } catch {
          request.user = null;
        }
        return;
      }
      request.user = await authenticate(request);
      if (!request.user) throw new AppError('unauthenticated');
      if (access !== 'authenticated' && !access.includes(request.user.role)) {
        throw new AppError('forbidden', `This needs one of the roles: ${access.join(', ')}.`);
      }
    }
    // Callback style with a synchronous answer for the usual anonymous call (no Authorization
    // header): an async hook costs a promise and a microtask turn on every request, the public
    // verification's included.
    app.addHook('onRequest', (request, _reply, done) => {
      const access = request.routeOptions.config?.access;
      if (access === undefined) {
        done();
      } else if (!request.headers.authorization) {
        // What authenticate() concludes without a header: anonymous, which only a public route accepts.
        request.user = null;
        done(access === 'public' ? undefined : new AppError('unauthenticated'));
      } else {
        authorize(request, access).then(
          () => done(),
          (err: unknown) => done(err as Error),
        );
      }
    });
  },
  { name: 'auth', dependencies: ['secrets', 'db'] },
);

/** The current user, for handlers of non-public routes (the onRequest hook guarantees it). */
export function currentUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw new AppError('unauthenticated');
  return request.user;
}
