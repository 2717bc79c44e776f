import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Builds dist/ once before the suite, so CLI tests always run the code under test as users run
 * it (`node dist/src/cli/haco.js`), never a stale build.
 */
export default function setup(): void {
  // For a quick re-run of in-process tests while dist is known to be current.
  if (process.env.HACO_TEST_SKIP_BUILD === '1') return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
