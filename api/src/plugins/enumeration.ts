import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { recordAlert } from '../security/alerts.ts';
import { clientKeyer, EnumerationWatch, MISS_VERDICTS, verdictOf } from '../security/enumeration.ts';
import { shareMisses } from '../security/enumeration-counts.ts';
import { addRouteHook } from './route-hooks.ts';

declare module 'fastify' {
  interface FastifyInstance {
    enumerationWatch: EnumerationWatch;
    /** Counts the verdict of a verification answered to `ip` (request.ip); misses only are kept. */
    noteVerifyVerdict(ip: string, verdict: string): void;
  }
}

const VERIFY_URL = '/api/v1/verify';

export interface EnumerationPluginOptions {
  /** How often this instance shares its misses with the others (default 5 s; 0: tests call `sync()`). */
  syncIntervalMs?: number;
}

/**
 * Watches the answers of `POST /api/v1/verify` for serial enumeration (reliability.md L02; see
 * security/enumeration.ts): reads the verdict from the serialized answer, counts misses per
 * keyed client hash, and writes `enumeration_suspected` alerts to `security_alerts` in the
 * background. The route itself is untouched. Every few seconds the counts are shared with the other
 * instances through `enumeration_counts` (one statement, off the request path), so a prober spread
 * over N instances by the load balancer is seen whole.
 */
export const enumerationPlugin = fp(
  async (
    app: FastifyInstance,
    opts: { config: Readonly<Config>; enumeration?: EnumerationPluginOptions },
  ) => {
    const keyOf = clientKeyer(app.secrets.keyEncryptionKey);
    let prunedWindow = -1;
    const watch = new EnumerationWatch({
      syncIntervalMs: opts.enumeration?.syncIntervalMs ?? 5_000,
      share: async (deltas, windowMs) => {
        // Once per window, the statement also deletes the windows that no longer count.
        const window = Math.floor(Date.now() / windowMs);
        const prune = window !== prunedWindow;
        const totals = await shareMisses(app.db, deltas, {
          windowMs,
          pruneBefore: prune ? new Date((window - 1) * windowMs) : undefined,
        });
        if (prune) prunedWindow = window;
        return totals;
      },
      onShareError: (err) => app.log.warn({ err }, 'enumeration counts not shared (kept for the next try)'),
      windowMs: opts.config.enumerationWindowSeconds * 1000,
      threshold: opts.config.enumerationThreshold,
      flush: async (alerts) => {
        for (const a of alerts) {
          await recordAlert(app.db, {
            kind: 'enumeration_suspected',
            subject: a.clientKey,
            windowStart: a.windowStart,
            count: a.misses,
            details: { misses: a.misses, windowSeconds: a.windowSeconds, threshold: a.threshold },
          });
          app.log.warn({ client: a.clientKey, misses: a.misses }, 'enumeration suspected');
        }
      },
      onFlushError: (err) => app.log.error({ err }, 'enumeration alert not recorded'),
    });
    app.decorate('enumerationWatch', watch);
    const noteVerdict = (ip: string, verdict: string): void => {
      if (MISS_VERDICTS.has(verdict)) watch.noteVerifyOutcome(keyOf(ip), verdict);
    };
    app.decorate('noteVerifyVerdict', noteVerdict);

    function noteOutcome(
      request: FastifyRequest,
      reply: FastifyReply,
      payload: unknown,
      done: (err: Error | null, payload: unknown) => void,
    ): void {
      if (reply.statusCode === 200 && request.method === 'POST') {
        const verdict = verdictOf(payload);
        if (verdict !== null) noteVerdict(request.ip, verdict);
      }
      done(null, payload);
    }
    // On the verification route only (the plugin is registered before the routes, app.ts), so
    // no other request runs it. It reads the answer and changes nothing, so where it runs among the
    // route's onSend hooks does not matter.
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (route.url === VERIFY_URL && methods.includes('POST')) addRouteHook(route, 'onSend', noteOutcome);
    });
    app.addHook('onClose', async () => watch.close());
  },
  { name: 'enumeration', dependencies: ['db', 'secrets'] },
);
