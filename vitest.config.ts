import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
    // PGlite instances are heavy (WASM Postgres); keep parallelism to the machine's two cores.
    maxWorkers: 2,
    testTimeout: 30_000,
    // Generous: set-up hooks build whole worlds (users, organizations, stores) and CI machines are small.
    hookTimeout: 180_000,
  },
});
