// eslint over the TypeScript (src/, test/, bench/, examples/): the recommended rules
// plus the type-aware ones that catch real bugs — a promise nobody awaits or catches
// (no-floating-promises), an async callback where the caller ignores the promise
// (no-misused-promises), "[object Object]" in a message (no-base-to-string), a
// switch that misses a member of a union. `npm run lint` runs it beside clang-format's
// check of native/.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'build/', 'node_modules/', 'test/addon/build/', 'binding.cjs'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: ['error', 'smart'],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Off: the code writes arr[i]! where an index is known to be in range, as
      // noUncheckedIndexedAccess code would; without that option each ! counts as
      // unnecessary. They cost nothing and say what the author knew.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Off: an async function with no await still turns a throw into a rejection,
      // and fakes of async interfaces (test/unit/fake-switch.ts) are async by contract.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read JSON documents (JSON.parse is any) and use vitest's asymmetric
    // matchers (expect.any(), expect.stringMatching(): any) as values.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
);
