import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/**/*.test.ts', 'api/**/*.test.ts', 'migrations/**/*.test.ts', 'test/**/*.test.ts'],
    // test/faults/serial stops the machine's PostgreSQL: never beside other tests, only alone
    // through `npm run test:faults` (which sets OCOP_FAULTS_SERIAL).
    exclude: [
      '**/node_modules/**',
      '**/dist/**',
      ...(process.env.OCOP_FAULTS_SERIAL ? [] : ['test/faults/serial/**']),
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: keep files in parallel but bounded, each with its own database.
    maxWorkers: 2,
  },
});
