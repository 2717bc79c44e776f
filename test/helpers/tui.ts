import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { PtySession } from '../../src/sessions/pty-session.js';
import type { TempRepo } from './repo.js';

/** The built dashboard bin (test/global-setup.ts builds dist/ first). */
export const TUI_BIN = fileURLToPath(new URL('../../dist/src/cli/haco-tui.js', import.meta.url));

/** How long a screen gets to show what a step expects, ms. */
export const STEP_MS = 20_000;

/** A fake command agent's config: every task runs `./fake-agent.sh`. */
export const FAKE_AGENT_CONFIG =
  'agents:\n  fake:\n    type: command\n    command: ./fake-agent.sh\ndefaults:\n  agent: fake\n';

/**
 * Starts `haco-tui ARGS` in a real 120×40 pty (the project's own PtySession) in the repo, with the
 * repo's own HOME, and CI=1 set on purpose: the dashboard must still draw live frames.
 * @throws Error when dist/ was not built
 */
export function startTui(repo: TempRepo, args: readonly string[]): PtySession {
  if (!existsSync(TUI_BIN)) throw new Error(`${TUI_BIN} is missing: run npm run build before the e2e tests`);
  return new PtySession({
    command: '/bin/sh',
    args: ['-c', 'CI=1 exec "$0" "$@"', process.execPath, TUI_BIN, ...args],
    cwd: repo.root,
    env: { HOME: repo.home },
    cols: 120,
    rows: 40,
    output: { kind: 'screen' },
  });
}

/** Resolves with the screen once it satisfies `test`; fails with the screen after `ms`. */
export async function screenUntil(
  session: PtySession,
  test: (screen: string) => boolean,
  what: string,
  ms = STEP_MS,
): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const screen = session.text().join('\n');
    if (test(screen)) return screen;
    if (Date.now() > deadline)
      throw new Error(`screen never showed ${what} within ${ms} ms; it shows:\n${screen}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
