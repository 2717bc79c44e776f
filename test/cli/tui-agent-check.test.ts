import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { makeRepo } from '../helpers/repo.js';
import { startTui } from '../helpers/tui.js';

describe('haco-tui --plan with an agent that cannot start', () => {
  it('refuses in one line, exit 2, before drawing or writing anything', async (context) => {
    const repo = makeRepo({
      files: {
        'cfg.yaml':
          'agents:\n  fake: {type: command, command: haco-no-such-agent}\ndefaults: {agent: fake}\n',
        'plan.yaml':
          'version: 1\ngoal: demo\ntasks:\n  - id: a\n    files: [src/a.ts]\n    prompt: write a\n',
      },
    });
    context.onTestFinished(() => repo.dispose());
    const session = startTui(repo, ['--plan', 'plan.yaml', '--config', 'cfg.yaml']);
    const exit = await session.exited;
    const lines = session
      .text()
      .map((line) => line.trimEnd())
      .filter(Boolean);
    expect(lines).toEqual([
      'haco-tui: agent "fake" (command): `haco-no-such-agent` not found on PATH; check agents.fake.command',
    ]);
    expect(exit.exitCode).toBe(2);
    expect(existsSync(join(repo.root, '.haco'))).toBe(false);
  });
});
