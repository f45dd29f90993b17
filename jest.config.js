/** @type {import('jest').Config} */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  cacheDirectory: '<rootDir>/.jest-cache',
  // Docker tests share one engine: they run serially inside their files, and the
  // integration project is kept to one worker by test/integration setup (see README).
  testTimeout: 60000,
};
