import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';

/** Read the configuration, build the app, listen, and drain in-flight requests on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const started = performance.now();
  const app = await buildApp(config);
  await app.listen({ port: config.port, host: config.host });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const lines = [
    '',
    `OCOP Trace đang chạy / is running: ${config.publicBaseUrl}  (ready in ${seconds}s)`,
    `  Database: ${config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`}`,
    `  API docs: ${config.publicBaseUrl}/api/docs`,
  ];
  if (config.demoMode) {
    lines.push(
      '  Demo accounts (password "ocop-demo"): admin@demo.ocop.vn, producer@demo.ocop.vn, inspector@demo.ocop.vn',
    );
  }
  console.log(lines.join('\n') + '\n');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'draining requests and closing');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('OCOP Trace failed to start:', err);
  process.exit(1);
});
