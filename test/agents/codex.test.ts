import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it, type TestContext } from 'vitest';

import { codexHookDecision, patchTargets } from '../../agents/codex-hook.js';
import { codexAdapter, parseCodexLine } from '../../agents/codex.js';
import { AgentConfigSchema } from '../../src/config/schema.js';
import type { TaskSpec } from '../../src/plan/schema.js';
import { PROJECT_ROOT } from '../helpers/repo.js';

const ROOT = '/repo';
const patch = (...headers: string[]): string =>
  ['*** Begin Patch', ...headers.flatMap((h) => [h, '+x']), '*** End Patch', ''].join('\n');

describe('codex PreToolUse hook decision', () => {
  it('reads every path a patch adds, updates, deletes or moves to, also inside a heredoc', () => {
    expect(
      patchTargets(
        `apply_patch <<'PATCH'\n${patch('*** Add File: a.txt', '*** Update File: src/b.ts', '*** Move to: c.ts', '*** Delete File: /abs/d')}PATCH\n`,
      ),
    ).toEqual(['a.txt', 'src/b.ts', 'c.ts', '/abs/d']);
    expect(patchTargets('ls -la')).toEqual([]);
  });

  it('allows owned paths (exact, dir/**, globs) and denies the rest, naming the owned files', () => {
    const owned = ['mine.txt', 'src/**', 'lib/*.{js,ts}'];
    const decide = (headers: string[], cwd = ROOT): string | undefined =>
      codexHookDecision(
        { tool_name: 'apply_patch', tool_input: { command: patch(...headers) }, cwd },
        owned,
        ROOT,
      );
    expect(
      decide(['*** Add File: mine.txt', '*** Update File: src/deep/x.ts', '*** Add File: lib/a.ts']),
    ).toBe(undefined);
    expect(decide(['*** Add File: /repo/src/abs.ts'])).toBe(undefined);
    expect(decide(['*** Add File: x.txt'], '/repo/src')).toBe(undefined); // relative to codex's cwd
    expect(decide(['*** Add File: lib/a.md'])).toBe(
      "haco: this task may only write mine.txt, src/**, lib/*.{js,ts}; not lib/a.md. Write only the task's own files.",
    );
    expect(decide(['*** Update File: src/a.ts', '*** Move to: other.ts'])).toContain('not other.ts');
    expect(decide(['*** Add File: ../outside/mine.txt'])).toContain('not ../outside/mine.txt');
    expect(decide(['*** Delete File: /etc/passwd'])).toContain('not /etc/passwd');
    // A heredoc patch in a shell command is checked the same way; other shell commands pass.
    const bash = (command: string) =>
      codexHookDecision({ tool_name: 'Bash', tool_input: { command } }, owned, ROOT);
    expect(bash(`apply_patch <<'EOF'\n${patch('*** Add File: stolen.txt')}EOF`)).toContain('not stolen.txt');
    expect(bash('npm test')).toBe(undefined);
  });
});

describe('codex exec --json lines', () => {
  it('reads the thread id, items, usage and failures', () => {
    expect(parseCodexLine('{"type":"thread.started","thread_id":"t-1"}\r')).toEqual([
      { type: 'session', sessionId: 't-1' },
      { type: 'display', text: 'codex thread t-1' },
    ]);
    expect(
      parseCodexLine(
        '{"type":"item.completed","item":{"type":"file_change","changes":[{"path":"/r/a.txt","kind":"add"}],"status":"completed"}}',
      ),
    ).toEqual([{ type: 'display', text: '● add /r/a.txt' }]);
    expect(
      parseCodexLine('{"type":"item.completed","item":{"type":"agent_message","text":"Wrote it"}}'),
    ).toEqual([{ type: 'display', text: 'Wrote it' }]);
    // A warning item is shown, never a failure.
    expect(parseCodexLine('{"type":"item.completed","item":{"type":"error","message":"metadata"}}')).toEqual([
      { type: 'display', text: '! metadata' },
    ]);
    const usage = {
      input_tokens: 200,
      cached_input_tokens: 50,
      output_tokens: 40,
      reasoning_output_tokens: 5,
    };
    expect(parseCodexLine(JSON.stringify({ type: 'turn.completed', usage }))).toContainEqual({
      type: 'done',
      ok: true,
      usage: { inputTokens: 200, outputTokens: 40, raw: usage },
    });
    expect(parseCodexLine('{"type":"turn.failed","error":{"message":"boom"}}')).toContainEqual({
      type: 'done',
      ok: false,
      message: 'boom',
    });
    expect(
      parseCodexLine('{"type":"error","message":"Reconnecting... 1/5"}').some((s) => s.type === 'done'),
    ).toBe(false);
    expect(parseCodexLine('{"type":"error","message":"fatal"}')).toContainEqual({
      type: 'done',
      ok: false,
      message: 'fatal',
    });
    expect(parseCodexLine('WARNING: proceeding')).toEqual([{ type: 'display', text: 'WARNING: proceeding' }]);
  });
});

const TASK: TaskSpec = {
  id: 't',
  title: 't',
  agent: 'codex',
  files: ['mine.txt'],
  dependsOn: [],
  prompt: 'p',
  acceptance: [],
  verify: [],
  timeoutMs: 60_000,
  retries: 0,
};

function attemptDir(context: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'haco-codex-'));
  context.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'attempt'));
  return join(dir, 'attempt');
}

const ctxFor = (dir: string) => ({
  repoRoot: ROOT,
  runId: 'r',
  attempt: 1,
  prompt: 'do it',
  promptFile: join(dir, 'prompt.md'),
  taskFile: join(dir, 'task.json'),
  attemptDir: dir,
});

/** Runs the hook script launch wrote, as codex would: JSON on stdin, the agent's environment. */
function runHook(file: string, env: Record<string, string>, input: unknown) {
  return spawnSync(file, [], { input: JSON.stringify(input), env: { PATH: process.env.PATH ?? '', ...env } });
}

describe('codex launch', () => {
  it('accepts its config keys and rejects unknown ones', () => {
    expect(
      AgentConfigSchema.safeParse({
        type: 'codex',
        model: 'm',
        base_url: 'http://127.0.0.1:1/v1',
        env_key: 'K',
      }).success,
    ).toBe(true);
    expect(AgentConfigSchema.safeParse({ type: 'codex', base_url: 'not a url' }).success).toBe(false);
    expect(AgentConfigSchema.safeParse({ type: 'codex', provider_url: 'x' }).success).toBe(false);
  });

  it('writes CODEX_HOME/config.toml and a hook, and runs codex exec --json with the hook', (context) => {
    const dir = attemptDir(context);
    const spec = codexAdapter.launch(
      {
        type: 'codex',
        model: 'gpt-5.5',
        base_url: 'http://127.0.0.1:9/v1',
        env_key: 'MY_KEY',
        args: ['--x'],
      },
      TASK,
      ctxFor(dir),
    );
    expect(spec.command).toBe('codex');
    expect(spec.args.slice(0, 5)).toEqual([
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      '--dangerously-bypass-hook-trust',
    ]);
    expect(spec.args.slice(5)).toEqual([
      '-c',
      `hooks.PreToolUse=[{matcher="*",hooks=[{type="command",command="${join(dir, 'codex-hook.mjs')}"}]}]`,
      '--x',
      '--',
      'do it',
    ]);
    expect(spec.env).toMatchObject({
      CODEX_HOME: join(dir, 'codex-home'),
      HACO_OWNED_FILES: 'mine.txt',
      HACO_REPO_ROOT: ROOT,
    });
    const toml = readFileSync(join(dir, 'codex-home', 'config.toml'), 'utf8');
    expect(toml).toContain('model = "gpt-5.5"\nmodel_provider = "haco"');
    expect(toml).toContain('base_url = "http://127.0.0.1:9/v1"\nwire_api = "responses"\nenv_key = "MY_KEY"');
    expect(toml).toContain('[analytics]\nenabled = false');
  });

  it('the hook script denies when it cannot run its check (fails closed)', (context) => {
    const dir = attemptDir(context);
    // From the TypeScript sources the hook module (a .js next to codex.ts) does not exist.
    codexAdapter.launch({ type: 'codex' }, TASK, ctxFor(dir));
    const input = {
      tool_name: 'apply_patch',
      tool_input: { command: patch('*** Add File: mine.txt') },
      cwd: ROOT,
    };
    const result = runHook(
      join(dir, 'codex-hook.mjs'),
      { HACO_OWNED_FILES: 'mine.txt', HACO_REPO_ROOT: ROOT },
      input,
    );
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout.toString()).hookSpecificOutput.permissionDecision).toBe('deny');
    expect(result.stderr.toString()).toContain('haco ownership hook failed');
  });

  it('the built hook allows owned paths, denies others, and denies on bad input', async (context) => {
    const dir = attemptDir(context);
    const built = (await import(join(PROJECT_ROOT, 'dist/agents/codex.js'))) as {
      codexAdapter: typeof codexAdapter;
    };
    built.codexAdapter.launch({ type: 'codex' }, TASK, ctxFor(dir));
    const hook = join(dir, 'codex-hook.mjs');
    const env = { HACO_OWNED_FILES: 'mine.txt', HACO_REPO_ROOT: dir };
    const call = (file: string) => ({
      tool_name: 'apply_patch',
      tool_input: { command: patch(`*** Add File: ${file}`) },
    });
    const allowed = runHook(hook, env, call('mine.txt'));
    expect([allowed.status, allowed.stdout.toString()]).toEqual([0, '']);
    const denied = runHook(hook, env, call('other.txt'));
    expect(denied.status).toBe(0);
    expect(JSON.parse(denied.stdout.toString()).hookSpecificOutput).toMatchObject({
      permissionDecision: 'deny',
      permissionDecisionReason: expect.stringContaining('not other.txt'),
    });
    expect(runHook(hook, {}, call('mine.txt')).status).toBe(2); // no owned files in the environment
    expect(
      execFileSync('sh', ['-c', `echo '{not json' | '${hook}'; echo " rc=$?"`], {
        env: { ...env, PATH: process.env.PATH ?? '' },
      }).toString(),
    ).toContain('rc=2');
  });
});
