// Packs @habitual/client as a frontend would receive it, installs the tarball into a throwaway
// project outside the repository, type-checks consumer.ts against it (misuses must fail to
// compile) and imports it at run time. Run from the repository root: `npm run client:check`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const work = mkdtempSync(join(tmpdir(), 'habitual-client-consumer-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });
try {
  run('npm', ['pack', '--workspace', '@habitual/client', '--pack-destination', work, '--silent'], root);
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  const app = join(work, 'app');
  run('mkdir', ['-p', app], work);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: { '@habitual/client': `file:../${tarball}` },
    }),
  );
  copyFileSync(join(here, 'consumer.ts'), join(app, 'consumer.ts'));
  copyFileSync(join(here, 'tsconfig.json'), join(app, 'tsconfig.json'));
  run('npm', ['install', '--no-audit', '--no-fund', '--silent'], app);
  run(process.execPath, [join(root, 'node_modules/@typescript/native/bin/tsc'), '-p', 'tsconfig.json'], app);
  run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const m = await import('@habitual/client'); if (typeof m.createHabitualClient !== 'function') process.exit(1);",
    ],
    app,
  );
  console.log('@habitual/client: the packed tarball installs, type-checks (misuses rejected) and imports');
} finally {
  rmSync(work, { recursive: true, force: true });
}
