import { defineConfig } from 'vitest/config';

// Two projects: fast pure tests (parsers, analysis, config) and integration tests that start the
// real lab (php-fpm, nginx, apache, sshd). Integration files run one at a time: they share the
// machine's ports, cgroups and kernel log.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Installs the lab's Debian packages (as root) and finds or starts Redis, before any lab.
          globalSetup: ['test/setup/integration-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          sequence: { concurrent: false },
        },
      },
    ],
  },
});
