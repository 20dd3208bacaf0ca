import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'bench/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default is one file at a time on 2 CPUs, yet most files wait on PostgreSQL, Redis, sockets or
    // child processes. Two at a time (more on bigger machines, up to four) keeps the CPUs busy; every file
    // makes its own schema, Redis key prefix, ports and temporary directory, so files never share state.
    maxWorkers: Math.min(4, Math.max(2, availableParallelism())),
  },
});
