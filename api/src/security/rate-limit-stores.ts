import { createRequire } from 'node:module';
import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit';

/** What @fastify/rate-limit's in-memory store answers: the count in the window and its time left. */
export interface RateCount {
  current: number;
  ttl: number;
}

interface ChildParams {
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
  cache?: number;
  max?: unknown;
  timeWindow?: unknown;
  routeInfo?: { url?: string; method?: string | string[]; config?: { rateLimit?: object } };
}

/** @fastify/rate-limit's own LocalStore, whose callbacks answer synchronously. */
interface LocalStore {
  incr(key: string, cb: (err: Error | null, res?: RateCount) => void, timeWindow: number, max: number): void;
  read(key: string, cb: (err: Error | null, res?: RateCount) => void, timeWindow: number, max: number): void;
  child(params: ChildParams): LocalStore;
}
type LocalStoreCtor = new (
  continueExceeding?: boolean,
  exponentialBackoff?: boolean,
  cache?: number,
) => LocalStore;
// The plugin's package has no `exports` map; its store is the file it loads itself.
const LocalStore = createRequire(import.meta.url)(
  '@fastify/rate-limit/store/LocalStore.js',
) as LocalStoreCtor;

/** A route's limiter as the plugin built it: its store and its fixed window. */
export interface RouteLimiter {
  max: number;
  timeWindow: number;
  /** Counts one request of `key`, as the plugin's hook does. */
  hit(key: string): RateCount;
  /** The count of `key` now, without counting. */
  peek(key: string): RateCount;
}

/**
 * The stores of @fastify/rate-limit, exactly its in-memory ones, with each route's store findable
 * by method and URL: the verification's fast lane (routes/verify/lane.ts) answers outside
 * Fastify's hooks and must count in the same window as the route's own limit, or a client could
 * double its allowance by mixing the two paths.
 *
 * Only a route whose limit is a plain `{ max, timeWindow }` of numbers is findable: with a key
 * generator, an allow list, a ban or a group of its own, what the plugin counts is not what a
 * caller outside it could repeat.
 */
export function rateLimitStores(): {
  Store: new (options: FastifyRateLimitOptions) => FastifyRateLimitStore;
  route(method: string, url: string): RouteLimiter | null;
} {
  const routes = new Map<string, RouteLimiter>();
  // The plugin's root store, with `child` (one store a route) also filing each route's limiter.
  class Stores extends LocalStore {
    constructor(options: ChildParams) {
      super(options.continueExceeding, options.exponentialBackoff, options.cache);
    }
    override child(params: ChildParams): LocalStore {
      const store = new LocalStore(params.continueExceeding, params.exponentialBackoff, params.cache);
      const own = params.routeInfo?.config?.rateLimit;
      const plain = own !== undefined && Object.keys(own).every((k) => k === 'max' || k === 'timeWindow');
      const { max, timeWindow } = params;
      const url = params.routeInfo?.url;
      if (plain && typeof max === 'number' && typeof timeWindow === 'number' && url !== undefined) {
        const answer = (call: 'incr' | 'read', key: string): RateCount => {
          let out: RateCount | undefined;
          store[call](
            key,
            (err, res) => {
              if (err) throw err;
              out = res;
            },
            timeWindow,
            max,
          );
          if (out === undefined) throw new Error('the rate-limit store did not answer synchronously');
          return out;
        };
        const methods = [params.routeInfo?.method ?? []].flat();
        for (const method of methods) {
          routes.set(`${method} ${url}`, {
            max,
            timeWindow,
            hit: (key) => answer('incr', key),
            peek: (key) => answer('read', key),
          });
        }
      }
      return store;
    }
  }
  return {
    Store: Stores as unknown as new (options: FastifyRateLimitOptions) => FastifyRateLimitStore,
    route: (method, url) => routes.get(`${method} ${url}`) ?? null,
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The rate-limit plugin's stores (app.ts); `route(method, url)` finds a route's limiter. */
    rateLimiters: ReturnType<typeof rateLimitStores>;
  }
}
