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
  // Dependencies point inward (docs/architecture.md): http/ -> service/ -> store ports -> domain/;
  // delivery/ -> the topic store port and domain/; auth/ stands alone; only app.ts wires engines in.
  layer(
    ['packages/server/src/domain/**'],
    [
      '../service/**',
      '../store/**',
      '../http/**',
      '../auth/**',
      '../delivery/**',
      '../config/**',
      '../log.js',
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
  layer(
    ['packages/server/src/auth/**'],
    ['../http/**', '../service/**', '../store/**', '../delivery/**', 'better-sqlite3'],
    'auth/ checks credentials and signatures alone: no other layer of the server',
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
