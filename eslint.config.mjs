// ESLint (flat config): JavaScript's and typescript-eslint's type-checked recommended rules, and the folder layers of src/.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import layers from './lint/import-layers.mjs';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test/fixtures/', 'deploy/testbed/nvidia-smi-data/'] },
  js.configs.recommended,
  {
    rules: {
      // Quoting (shell/, templates/) and input checks (--bind, #SBATCH values) match control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A leading underscore names what is unused on purpose (a key dropped from a rest spread, a callback's slot).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read the CLI's --json output and recorded files as untyped JSON and check them with expect(): the
      // assertion is the type check there.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fakes implement async ports (fetch, runner, file reads) with bodies that need no await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  // TEMPORARY: findings in files another branch is rewriting now (the registry client), left to it so that its merge
  // does not conflict. Fix them when merging, then delete this.
  {
    files: ['src/registry/client.ts', 'src/registry/http-fetch.ts'],
    rules: {
      'prefer-const': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { qsc: layers },
    rules: { 'qsc/import-layers': 'error' },
  },
);
