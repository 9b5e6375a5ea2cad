import type { Role } from '@ocop/db';

/**
 * Who may call a route, declared on every route as `config: { access }`. The app refuses to start
 * with a route that lacks it, and the roles × routes matrix test reads it from the registered routes.
 * - `public`: anyone, signed in or not;
 * - `authenticated`: any signed-in, enabled user;
 * - a list of roles: only those roles (object-level checks still apply inside the handler).
 */
export type Access = 'public' | 'authenticated' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}
