// Packs @habitual/client as a frontend would receive it and installs the tarball into a throwaway
// project outside the repository. There it checks, in order:
//   1. without React: the tarball pulls in no React package, consumer.ts type-checks and the main
//      entry point imports at run time;
//   2. with @tanstack/react-query and React added: react-consumer.tsx type-checks and
//      `@habitual/client/react` imports at run time;
//   3. misuse.ts does NOT compile, and fails with exactly the errors its `// rejects` lines name.
// Run from the repository root: `npm run client:check`.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const tsc = join(root, 'node_modules/@typescript/native/bin/tsc');
const reactPackages = ['@tanstack/react-query', 'openapi-react-query', 'react', '@types/react'];
const files = [
  'consumer.ts',
  'react-consumer.tsx',
  'misuse.ts',
  'tsconfig.json',
  'tsconfig.react.json',
  'tsconfig.misuse.json',
];

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });
const fail = (message) => {
  throw new Error(`client:check: ${message}`);
};
/** The version the repository's lockfile installed, so the throwaway app tests what CI tests. */
const installedVersion = (name) =>
  JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
const importCheck = (app, code) => run(process.execPath, ['--input-type=module', '-e', code], app);

/** The `// rejects TSnnnn: text` markers of a file: each covers the lines up to the next marker. */
function markersOf(source) {
  const lines = source.split('\n');
  const markers = [];
  lines.forEach((line, index) => {
    const match = /\/\/ rejects (TS\d+): (.+)$/.exec(line);
    if (match) markers.push({ line: index + 1, code: match[1], text: match[2].trim(), until: lines.length });
  });
  markers.forEach((marker, index) => {
    if (markers[index + 1]) marker.until = markers[index + 1].line - 1;
  });
  return markers;
}

/** tsc's diagnostics for one file: `file(line,col): error TSnnnn: message`, continuation lines joined. */
function diagnosticsOf(output, file) {
  const diagnostics = [];
  for (const line of output.split('\n')) {
    const match = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (match) diagnostics.push({ file: match[1], line: Number(match[2]), code: match[4], message: match[5] });
    else if (diagnostics.length > 0 && line.startsWith(' ')) diagnostics.at(-1).message += ` ${line.trim()}`;
  }
  const elsewhere = diagnostics.filter((d) => !d.file.endsWith(file));
  if (elsewhere.length > 0) fail(`errors outside ${file}:\n${output}`);
  return diagnostics;
}

function checkMisuses(app) {
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.misuse.json', '--pretty', 'false'], {
    cwd: app,
    encoding: 'utf8',
  });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status === 0) fail('misuse.ts compiled: the types accept what they must reject');
  const markers = markersOf(readFileSync(join(app, 'misuse.ts'), 'utf8'));
  if (markers.length === 0) fail('misuse.ts has no `// rejects` markers');
  const diagnostics = diagnosticsOf(output, 'misuse.ts');
  const matched = new Set();
  for (const marker of markers) {
    const hit = diagnostics.find(
      (d) =>
        d.line > marker.line && d.line <= marker.until && d.code === marker.code && d.message.includes(marker.text),
    );
    if (!hit) fail(`misuse.ts:${marker.line + 1} was not rejected with ${marker.code} "${marker.text}"\n${output}`);
    for (const d of diagnostics)
      if (d.line > marker.line && d.line <= marker.until && d.code === marker.code) matched.add(d);
    console.log(`  rejected as expected, misuse.ts:${hit.line}: ${hit.code} ${hit.message.slice(0, 110)}`);
  }
  const unexpected = diagnostics.filter((d) => !matched.has(d));
  if (unexpected.length > 0)
    fail(
      `misuse.ts has errors no marker names:\n${unexpected.map((d) => `${d.line}: ${d.code} ${d.message}`).join('\n')}`,
    );
}

const work = mkdtempSync(join(tmpdir(), 'habitual-client-consumer-'));
try {
  run('npm', ['pack', '--workspace', '@habitual/client', '--pack-destination', work, '--silent'], root);
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (!tarball) fail('npm pack wrote no tarball');
  const app = join(work, 'app');
  mkdirSync(app);
  const manifest = {
    name: 'consumer',
    private: true,
    type: 'module',
    dependencies: { '@habitual/client': `file:../${tarball}` },
  };
  writeFileSync(join(app, 'package.json'), JSON.stringify(manifest));
  for (const file of files) copyFileSync(join(here, file), join(app, file));

  console.log('1. without React');
  run('npm', ['install', '--no-audit', '--no-fund', '--silent'], app);
  const pulledIn = reactPackages.filter((name) => existsSync(join(app, 'node_modules', name)));
  if (pulledIn.length > 0) fail(`installing the client alone pulled in ${pulledIn.join(', ')}`);
  run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
  importCheck(
    app,
    "const m = await import('@habitual/client'); if (typeof m.createHabitualClient !== 'function') process.exit(1);",
  );

  console.log('2. with @tanstack/react-query');
  const pinned = reactPackages.map((name) => `${name}@${installedVersion(name)}`);
  run('npm', ['install', '--no-audit', '--no-fund', '--silent', ...pinned], app);
  run(process.execPath, [tsc, '-p', 'tsconfig.react.json'], app);
  importCheck(
    app,
    "const { createHabitualClient } = await import('@habitual/client'); const { createHabitualHooks } = await import('@habitual/client/react'); const hooks = createHabitualHooks(createHabitualClient()); if (typeof hooks.useQuery !== 'function' || typeof hooks.useMutation !== 'function') process.exit(1);",
  );

  console.log('3. misuses must not compile');
  checkMisuses(app);
  console.log('@habitual/client: the packed tarball installs without React, type-checks, rejects misuses and imports');
} finally {
  rmSync(work, { recursive: true, force: true });
}
