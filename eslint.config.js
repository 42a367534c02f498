// Lint rules, including the layer rules of ARCHITECTURE.md: an inner layer never imports an outer one.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (folder, forbidden, extra = []) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...forbidden.map((f) => ({
            group: [`**/${f}/*`, `**/${f}`],
            message: `src/${folder} must not import src/${f}`,
          })),
          ...extra,
        ],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'state/**', 'logs/**', '.agent-clis/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  layer(
    'domain',
    ['infrastructure', 'application', 'controller'],
    [
      {
        group: ['node:*', '!node:path', 'fs', 'child_process', 'net', 'os', 'execa', 'winston', 'conf'],
        message: 'src/domain is pure: no I/O',
      },
    ],
  ),
  layer('infrastructure', ['application', 'controller']),
  layer('application', ['controller']),
  // The sim agent is a program of its own, as a real agent CLI is: it knows nothing of tmuxorch.
  layer('sim', ['domain', 'infrastructure', 'application', 'controller']),
);
