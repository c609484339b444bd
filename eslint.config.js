import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Unit tests may reach past their layer to build fixtures (e.g. a service test over the memory engine).
const layer = (files, patterns, message) => ({
  files,
  ignores: ['**/*.test.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
  },
});

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'data/**', 'bench/results/**', '**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // Dependencies point inward: domain <- service <- {store, http, auth}; engines never import http/.
  layer(
    ['packages/server/src/domain/**'],
    [
      '../service/**',
      '../store/**',
      '../http/**',
      '../auth/**',
      '../config/**',
      'better-sqlite3',
      'node:http',
    ],
    'domain/ is pure rules: no I/O, no outer layers',
  ),
  layer(
    ['packages/server/src/service/**'],
    ['../http/**', '../store/sqlite/**', '../store/memory/**', 'better-sqlite3'],
    'service/ uses the store port, never an engine or http/',
  ),
  layer(
    ['packages/server/src/store/**'],
    ['**/http/**', '**/service/**', '**/auth/**'],
    'engines never import http/, service/ or auth/',
  ),
  layer(
    ['packages/server/src/delivery/**'],
    ['../http/**', '../store/sqlite/**', '../store/memory/**', 'better-sqlite3'],
    'delivery/ uses the topic store port and domain rules, never an engine or http/',
  ),
  layer(['packages/protocol/src/**'], ['@opencmq/server', '**/server/**'], 'protocol/ has zero dependencies'),
  {
    // expect.any() and asymmetric matchers are typed `any` by Vitest.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
