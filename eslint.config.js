import js from '@eslint/js';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import solid from 'eslint-plugin-solid/configs/typescript';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dev-dist/', 'node_modules/', '.tmp/', 'data/', 'patches/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}'],
    ...solid,
  },
  {
    files: ['scripts/**/*.mjs', '*.config.{js,ts}'],
    languageOptions: { globals: globals.node },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // User content is rendered as text: no innerHTML anywhere in the app.
      'no-restricted-properties': ['error', { property: 'innerHTML', message: 'Render user content as text.' }],
    },
  },
  {
    files: ['src/**/*.tsx'],
    rules: { 'solid/no-innerhtml': ['error', { allowStatic: false }] },
  },
  prettier,
);
