import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Builds dist/ once before the suite, so CLI tests always run the code under test as users run
 * it (`node dist/src/cli/haco.js`), never a stale build. Type errors are printed but do not stop
 * the suite (tsc still emits; `npm run typecheck` is the gate for types); a missing bin does.
 */
export default function setup(): void {
  // For a quick re-run of in-process tests while dist is known to be current.
  if (process.env.HACO_TEST_SKIP_BUILD === '1') return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0)
    console.error('global-setup: tsc reported errors (see above); dist was emitted anyway');
  for (const bin of ['dist/src/cli/haco.js', 'dist/src/cli/haco-tui.js']) {
    if (!existsSync(`${root}/${bin}`)) throw new Error(`global-setup: ${bin} was not built`);
  }
}
