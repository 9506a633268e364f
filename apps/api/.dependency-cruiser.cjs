/**
 * The import rules of the API (`npm run deps:check`, run by CI):
 * - no import cycles, type-only imports included;
 * - a module uses another module only through that module's index.ts, and so do the scripts;
 * - a module's own files never import its index.ts (the index wires them; the other way is a cycle);
 * - the platform layer never imports a module, and nothing imports app.ts but the entry points.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles, type-only ones included, make the wiring order a guess.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'modules-through-index',
      comment: "A module reaches another only through what that module's index.ts exports.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/', pathNot: '^src/modules/[^/]+/schema\\.ts$' },
      to: {
        path: '^src/modules/[^/]+/',
        pathNot: [
          '^src/modules/$1/',
          '^src/modules/[^/]+/index\\.ts$',
          // The habit rules are pure functions with no I/O: a library the other modules may use.
          '^src/modules/habits/domain/index\\.ts$',
        ],
      },
    },
    {
      name: 'scripts-through-index',
      comment: 'Commands (billing:reconcile, openapi, checks) use a module as app.ts does: through its index.ts.',
      severity: 'error',
      from: { path: '^scripts/' },
      to: { path: '^src/modules/[^/]+/', pathNot: '^src/modules/[^/]+/(index|schema)\\.ts$' },
    },
    {
      name: 'index-faces-outward',
      comment:
        "A module's index.ts builds it from its files; a file of the module importing the index would close a cycle. Its command-line entry points (*-cli.ts) may use it like any other caller.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/', pathNot: '^src/modules/[^/]+/([^/]+-cli|index)\\.ts$' },
      to: { path: '^src/modules/$1/index\\.ts$' },
    },
    {
      name: 'tables-reference-tables',
      comment:
        "A foreign key is a dependency of the database itself: a module's schema.ts may reference another module's table (drizzle needs the table object), and nothing else of it.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/schema\\.ts$' },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/(schema|index)\\.ts$'] },
    },
    {
      name: 'platform-below-modules',
      comment: 'platform/ holds what every module uses; it must not depend on any of them.',
      severity: 'error',
      // platform/db/schema.ts gathers every module's tables for drizzle-kit and the drivers.
      from: { path: '^src/platform/', pathNot: '^src/platform/db/schema\\.ts$' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'app-only-from-entry-points',
      comment: 'app.ts wires the modules; a module importing it would close a cycle.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(server|app|worker)\\.ts$' },
      to: { path: '^src/app\\.ts$' },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
