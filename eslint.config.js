// Lint: typescript-eslint's recommended rules, plus the architecture as rules (docs/architecture.md):
// - lib/ is pure: no browser API, no `wxt`, never entrypoints/;
// - a chain folder never imports another chain's, a scheme folder never another scheme's;
// - components/ never imports lib/background;
// - a scheme id or a chain family is compared as a literal only inside its own folder (the wire
//   codec aside): the core asks the registries instead.
import { readdirSync } from 'node:fs';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

const folders = (dir) => readdirSync(new URL(dir, import.meta.url), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const CHAINS = folders('./lib/chains/');
const SCHEMES = folders('./lib/schemes/');
// Scheme ids the wallet knows, implemented or not yet: none may be compared outside its folder.
const SCHEME_IDS = [...new Set([...SCHEMES, 'session', 'upto', 'exact'])];
const FAMILIES = [...new Set([...CHAINS, 'evm', 'stellar', 'solana'])];

/** `x === 'evm'`, `'evm' !== x`, `case 'evm':` — for the literals given. */
function literalComparisons(literals, what) {
  const alt = literals.join('|');
  const message = `Compare ${what} only inside its own folder; elsewhere ask the registry (lib/chains/registry.ts, lib/schemes/registry.ts).`;
  return [
    { selector: `BinaryExpression[operator=/^[!=]==?$/] > Literal[value=/^(${alt})$/]`, message },
    { selector: `SwitchCase > Literal[value=/^(${alt})$/]`, message },
  ];
}

const elementTypes = [
  ...CHAINS.map((c) => ({ type: `chain-${c}`, pattern: `lib/chains/${c}` })),
  ...SCHEMES.map((s) => ({ type: `scheme-${s}`, pattern: `lib/schemes/${s}` })),
  { type: 'background', pattern: 'lib/background' },
  { type: 'lib', pattern: 'lib' },
  { type: 'components', pattern: 'components' },
  { type: 'entrypoints', pattern: 'entrypoints' },
];

const crossFolder = (kind, names) =>
  names.map((n) => ({
    from: { element: { type: `${kind}-${n}` } },
    disallow: { to: { element: { types: { anyOf: names.filter((m) => m !== n).map((m) => `${kind}-${m}`) } } } },
  }));

const LIB = ['lib/**/*.ts'];

export default tseslint.config(
  { ignores: ['.output/**', '.wxt/**', 'node_modules/**', 'test-results/**', 'artifacts/**', 'devnet/dapp/public/**', 'bench/results*'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // Tests and test stand-ins read untyped JSON on purpose; lib/ keeps `any` out (below).
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['lib/**/*.ts', 'components/**/*.tsx', 'components/**/*.ts', 'entrypoints/**/*.ts', 'entrypoints/**/*.tsx'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': elementTypes,
      'import/resolver': { typescript: { alwaysTryTypes: true } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'allow',
          policies: [
            ...crossFolder('chain', CHAINS),
            ...crossFolder('scheme', SCHEMES),
            { from: { element: { type: 'components' } }, disallow: { to: { element: { type: 'background' } } } },
            {
              from: { element: { types: { anyOf: ['lib', 'background', ...CHAINS.map((c) => `chain-${c}`), ...SCHEMES.map((s) => `scheme-${s}`)] } } },
              disallow: { to: { element: { types: { anyOf: ['entrypoints', 'components'] } } } },
            },
          ],
        },
      ],
    },
  },
  {
    files: LIB,
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', { patterns: [{ group: ['wxt', 'wxt/*', '#imports', 'webextension-polyfill', '@wxt-dev/*'], message: 'lib/ takes the browser as injected ports (lib/background/browser-ports.ts); only entrypoints/ import wxt.' }] }],
      'no-restricted-globals': ['error', { name: 'chrome', message: 'lib/ uses no browser API: take it as a port.' }, { name: 'browser', message: 'lib/ uses no browser API: take it as a port.' }],
    },
  },
  // The literal rule: everywhere in the extension, except each literal's own folder and the wire codec.
  ...[
    { files: ['lib/**/*.ts', 'components/**/*.{ts,tsx}', 'entrypoints/**/*.{ts,tsx}'], ignores: ['lib/x402/**', 'lib/chains/*/**', 'lib/schemes/*/**'], ids: SCHEME_IDS, fams: FAMILIES },
    ...CHAINS.map((c) => ({ files: [`lib/chains/${c}/**/*.ts`], ignores: [], ids: SCHEME_IDS, fams: FAMILIES.filter((f) => f !== c) })),
    ...SCHEMES.map((s) => ({ files: [`lib/schemes/${s}/**/*.ts`], ignores: [], ids: SCHEME_IDS.filter((i) => i !== s), fams: FAMILIES })),
  ].map(({ files, ignores, ids, fams }) => ({
    files,
    ignores,
    rules: { 'no-restricted-syntax': ['error', ...literalComparisons(ids, 'a scheme id'), ...literalComparisons(fams, 'a chain family')] },
  })),
);
