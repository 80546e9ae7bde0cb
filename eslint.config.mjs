// Lint is part of the test command and runs with --max-warnings=0.
// Module boundaries follow the Nx tags in each project.json (see docs/architecture.md):
// domain libs stay pure (no infra, no Nest), apps never import each other.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

/** Who may import whom, by Nx tag (see docs/architecture.md). */
const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:contracts'] },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:testing'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:contracts', 'type:infra', 'type:domain'] },
  { sourceTag: 'scope:ingestion', onlyDependOnLibsWithTags: ['scope:ingestion', 'scope:shared'] },
  { sourceTag: 'scope:scoring', onlyDependOnLibsWithTags: ['scope:scoring', 'scope:shared'] },
  { sourceTag: 'scope:alerting', onlyDependOnLibsWithTags: ['scope:alerting', 'scope:shared'] },
  { sourceTag: 'scope:playbook', onlyDependOnLibsWithTags: ['scope:playbook', 'scope:shared'] },
  // What-if replays and churn-model training (issue 18) drive both services' pure domains.
  { sourceTag: 'scope:backtest', onlyDependOnLibsWithTags: ['scope:backtest', 'scope:ingestion', 'scope:scoring', 'scope:alerting', 'scope:shared'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared', 'scope:scoring', 'scope:alerting', 'scope:playbook', 'scope:ingestion', 'scope:backtest'] },
];

/** Tests may also use the test helpers (libs/testing) on top of what their project may import. */
const testDepConstraints = depConstraints.map((constraint) =>
  constraint.sourceTag.startsWith('type:')
    ? { ...constraint, onlyDependOnLibsWithTags: [...constraint.onlyDependOnLibsWithTags, 'type:testing'] }
    : constraint,
);

const boundaries = (constraints) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], banTransitiveDependencies: false, depConstraints: constraints },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.cache/**', '.nx/**', 'coverage/**', 'examples/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    // Nest reads constructor parameter types at run time (decorator metadata): tell the parser,
    // so consistent-type-imports never turns an injected class into a type-only import.
    languageOptions: { parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-console': 'error',
      '@nx/enforce-module-boundaries': boundaries(depConstraints),
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.fixture.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(testDepConstraints) },
  },
  {
    // Only libs/kafka may touch kafkajs, so the client can be swapped in one place.
    files: ['apps/**/*.ts', 'libs/!(kafka)/**/*.ts', 'e2e/**/*.ts'],
    ignores: ['libs/testing/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'kafkajs', message: 'Use @bellwether/kafka; kafkajs stays behind libs/kafka.' }] }],
    },
  },
  {
    // Repositories are injectable providers (style.md, practice 11): production code receives them
    // from Nest and never builds one, so every side effect can be swapped in a test. Tests, test
    // fakes and the keys CLI (a composition root without Nest) may construct them.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.fake.ts', 'apps/*/src/cli/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'NewExpression[callee.name=/Repository$/]', message: 'Inject the repository (register it as a provider); only tests and the CLI construct repositories.' },
      ],
    },
  },
  {
    // Domain libs are pure: no I/O modules, no framework.
    files: ['libs/*-domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@nestjs/*', 'typeorm', 'kafkajs', 'ioredis', 'pg', 'node:fs', 'node:net', 'node:http', 'fs', 'http'] }],
    },
  },
);
