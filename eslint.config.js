// Lint, plus the boundary rules of DESIGN.md written as import restrictions.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'data/**', '**/dist/**', 'apps/server/migrations/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='eval']", message: 'eval is never allowed' },
        { selector: "NewExpression[callee.name='Function']", message: 'new Function is never allowed' },
      ],
    },
  },
  {
    // packages/* are libraries: they never import the apps, and policy stays dependency-free and isomorphic.
    files: ['packages/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/apps/**', '@gatehouse/server'], message: 'packages never import apps' }, { group: ['node:*', 'fastify', 'drizzle-orm*', 'pg'], message: 'packages stay free of runtime dependencies' }] }],
    },
  },
  {
    // The policy core runs in the browser too: its sources import only each other and use no Node globals.
    files: ['packages/policy/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!\\./)', message: 'the policy core has zero runtime dependencies: import only its own files' }] }],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', '__dirname', '__filename', 'global', 'setImmediate'],
    },
  },
  {
    files: ['apps/server/src/**/*.ts'],
    ignores: ['apps/server/src/config.ts', '**/*.test.ts', 'apps/server/src/testing/**', 'apps/server/src/cli.ts'],
    rules: {
      // Only config.ts reads the environment.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read settings from Config (config.ts)' }],
    },
  },
  {
    files: ['apps/server/src/modules/**/*.routes.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['*.repo.ts', '*.tables.ts', 'drizzle-orm*'], message: 'routes call services, never repositories or tables' }] }],
    },
  },
  {
    files: ['apps/server/src/modules/**/*.service.ts', 'apps/server/src/modules/**/use-cases/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['fastify', '@fastify/*'], message: 'services never import Fastify' }] }],
    },
  },
  {
    files: ['apps/server/src/modules/*/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./\\.\\./modules/|^\\.\\./(?!\\.\\.)[^/]+/(?!index\\.ts$|[^/]+\\.tables\\.ts$)', message: 'modules import each other only through index.ts' }] }],
    },
  },
  {
    files: ['**/*.test.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
