// ESLint for the TypeScript of src/, test/ and tools/, with type information (typescript-eslint), run by
// `npm test` after the type check. The rules are the ones the style guide asks a tool to hold: no floating
// promises (an unhandled rejection or an unawaited step), no non-null assertions in product code (a `!` is an
// unchecked claim; narrow instead, or say inline why it holds), promises where a callback expects a value, `any`.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs', 'bin/**'],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        // src and test (tsconfig.test.json), tools (its own): every file is linted with the types it is checked with.
        project: ['./tsconfig.test.json', './tools/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // node:test's describe/it/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // Go's == on mixed number | bigint values needs JavaScript's ==: those few places say so inline.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Tests and tooling index into arrays they have just built and checked (`rows[0]!` after asserting the
    // length): there a failed assertion is what a wrong `!` would turn into anyway, so they may use it.
    files: ['test/**/*.ts', 'src/**/*.test.ts', 'tools/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
