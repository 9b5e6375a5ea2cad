import type { RouteOptions } from 'fastify';

/** The lifecycle hooks a route declares in its options. */
export type RouteHookName =
  | 'onRequest'
  | 'preParsing'
  | 'preValidation'
  | 'preHandler'
  | 'preSerialization'
  | 'onSend'
  | 'onResponse'
  | 'onError'
  | 'onTimeout'
  | 'onRequestAbort';

/**
 * Add `hook` to one route's own hooks, from an `onRoute` hook of a plugin, after the ones the route
 * (or a plugin seen earlier, such as @fastify/rate-limit) already declared. A hook that concerns a
 * few routes costs the others nothing this way: an app-level hook runs, however cheaply, on every
 * request. Route-level hooks run after every app- and scope-level hook of the same kind, and in
 * the order they were added; callers check that this order is right for them.
 */
export function addRouteHook(
  route: RouteOptions,
  name: RouteHookName,
  hook: (...args: never[]) => unknown,
): void {
  const options = route as unknown as Record<RouteHookName, unknown>;
  const existing = options[name];
  if (existing === undefined || existing === null) options[name] = [hook];
  else if (Array.isArray(existing)) options[name] = [...(existing as unknown[]), hook];
  else options[name] = [existing, hook];
}
