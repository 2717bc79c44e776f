import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { execa } from 'execa';
import { describe, expect, it, type TestContext } from 'vitest';

import { patchTargets } from '../../agents/codex-hook.js';
import { codexAdapter, codexAskRequest, parseCodexLine } from '../../agents/codex.js';
import { startAskServer } from '../../src/orchestrator/ask-server.js';
import { decidePermission, taskPermissionPolicy } from '../../src/ownership/permission-policy.js';
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

  it('reads hook requests into actions the permission policy decides: owned writes pass, others are refused naming the owned files', () => {
    const owned = ['mine.txt', 'src/**', 'lib/*.{js,ts}'];
    const policy = taskPermissionPolicy(ROOT, owned, undefined);
    const decide = (tool: string, command: string, cwd: string | undefined = ROOT) => {
      const request = codexAskRequest({ tool, input: { command }, ...(cwd ? { cwd } : {}) });
      if (!request) throw new Error('unread');
      return decidePermission(request, policy);
    };
    const allowed = { decision: { behavior: 'allow' } };
    expect(
      decide(
        'apply_patch',
        patch('*** Add File: mine.txt', '*** Update File: src/deep/x.ts', '*** Add File: lib/a.ts'),
      ),
    ).toEqual(allowed);
    expect(decide('apply_patch', patch('*** Add File: /repo/src/abs.ts'))).toEqual(allowed);
    expect(decide('apply_patch', patch('*** Add File: x.txt'), '/repo/src')).toEqual(allowed); // relative to codex's cwd
    expect(decide('apply_patch', patch('*** Add File: lib/a.md'))).toEqual({
      decision: {
        behavior: 'deny',
        message:
          "haco: lib/a.md is outside this task's files; you own: mine.txt, src/**, lib/*.{js,ts}. Change only those.",
      },
    });
    expect(
      JSON.stringify(decide('apply_patch', patch('*** Update File: src/a.ts', '*** Move to: other.ts'))),
    ).toContain('other.ts is outside');
    expect(JSON.stringify(decide('apply_patch', patch('*** Add File: ../outside/mine.txt')))).toContain(
      'outside the repository',
    );
    expect(JSON.stringify(decide('apply_patch', patch('*** Delete File: /etc/passwd')))).toContain(
      '/etc/passwd',
    );
    // A patch naming nothing is refused; a heredoc patch in a shell command is a write too.
    expect(JSON.stringify(decide('apply_patch', 'garbage'))).toContain('names no file');
    expect(
      JSON.stringify(decide('Bash', `apply_patch <<'EOF'\n${patch('*** Add File: stolen.txt')}EOF`)),
    ).toContain('stolen.txt is outside');
    // Other shell commands follow permissions.bash_allow: on the list they run, else the user decides.
    expect(decide('Bash', 'npm test')).toEqual(allowed);
    expect(decide('Bash', 'rm -rf src')).toHaveProperty('breakpoint');
    expect(codexAskRequest({ tool: 'web_search', input: {} })?.action).toEqual({ kind: 'other' });
    expect(codexAskRequest({ input: {} })).toBe(undefined);
    expect(codexAskRequest('nonsense')).toBe(undefined);
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

/** The same, without blocking the event loop (an ask server in this process answers it). */
function runHookAsync(file: string, env: Record<string, string>, input: unknown) {
  return execa(file, [], {
    input: typeof input === 'string' ? input : JSON.stringify(input),
    env: { PATH: process.env.PATH ?? '', ...env },
    extendEnv: false,
    reject: false,
  });
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
      // The hook may wait as long as the attempt (60 s) and a minute more: codex runs the tool when
      // its hook times out.
      `hooks.PreToolUse=[{matcher="*",hooks=[{type="command",command="${join(dir, 'codex-hook.mjs')}",timeout=120}]}]`,
      '--x',
      '--',
      'do it',
    ]);
    expect(spec.env).toMatchObject({ CODEX_HOME: join(dirname(dir), 'codex-home'), HACO_REPO_ROOT: ROOT });
    // Without an ask channel the hook has nobody to ask: it refuses every tool.
    expect(spec.env).not.toHaveProperty('HACO_ASK_SOCKET');
    const toml = readFileSync(join(dirname(dir), 'codex-home', 'config.toml'), 'utf8');
    expect(toml).toContain('model = "gpt-5.5"\nmodel_provider = "haco"');
    expect(toml).toContain('base_url = "http://127.0.0.1:9/v1"\nwire_api = "responses"\nenv_key = "MY_KEY"');
    expect(toml).toContain('[analytics]\nenabled = false');
    const asking = codexAdapter.launch({ type: 'codex' }, TASK, { ...ctxFor(dir), askSocket: '/tmp/a/s' });
    expect(asking.env.HACO_ASK_SOCKET).toBe('/tmp/a/s');
  });

  it('resumes a thread: exec flags, then `resume <thread_id> -- <prompt>`, with the task-wide CODEX_HOME', (context) => {
    const dir = attemptDir(context);
    expect(codexAdapter.canResume).toBe(true);
    const spec = codexAdapter.launch({ type: 'codex', args: ['--x'] }, TASK, {
      ...ctxFor(dir),
      prompt: 'go on',
      resume: { sessionId: 'thread-1' },
    });
    const at = spec.args.indexOf('resume');
    expect(spec.args.slice(0, 5)).toEqual([
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      '--dangerously-bypass-hook-trust',
    ]);
    expect(spec.args.slice(at - 1)).toEqual(['--x', 'resume', 'thread-1', '--', 'go on']);
    expect(spec.args.indexOf('-c')).toBeLessThan(at);
    // Every attempt of the task gets the same home, where codex keeps the thread.
    expect(spec.env.CODEX_HOME).toBe(join(dirname(dir), 'codex-home'));
    expect(codexAdapter.launch({ type: 'codex' }, TASK, ctxFor(dir)).args).not.toContain('resume');
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
      { HACO_REPO_ROOT: ROOT, HACO_ASK_SOCKET: '/x/s' },
      input,
    );
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout.toString()).hookSpecificOutput.permissionDecision).toBe('deny');
    expect(result.stderr.toString()).toContain('haco ownership hook failed');
  });

  it('the built hook asks haco on the ask channel and follows the answer; it refuses when haco cannot answer', async (context) => {
    const dir = attemptDir(context);
    const built = (await import(join(PROJECT_ROOT, 'dist/agents/codex.js'))) as {
      codexAdapter: typeof codexAdapter;
    };
    const asked: unknown[] = [];
    const policy = taskPermissionPolicy(dir, ['mine.txt'], undefined);
    const server = await startAskServer(async (message) => {
      asked.push(message);
      const request = codexAskRequest(message);
      if (!request) return { behavior: 'deny', message: 'unread' };
      const outcome = decidePermission(request, policy);
      return 'decision' in outcome ? outcome.decision : { behavior: 'deny', message: 'asked the user' };
    });
    context.onTestFinished(() => server.close());
    built.codexAdapter.launch({ type: 'codex' }, TASK, { ...ctxFor(dir), askSocket: server.path });
    const hook = join(dir, 'codex-hook.mjs');
    const env = { HACO_ASK_SOCKET: server.path, HACO_REPO_ROOT: dir };
    const call = (file: string) => ({
      tool_name: 'apply_patch',
      tool_input: { command: patch(`*** Add File: ${file}`) },
      cwd: dir,
    });
    const allowed = await runHookAsync(hook, env, call('mine.txt'));
    expect([allowed.exitCode, allowed.stdout]).toEqual([0, '']);
    expect(asked[0]).toEqual({ tool: 'apply_patch', input: call('mine.txt').tool_input, cwd: dir });
    const denied = await runHookAsync(hook, env, call('other.txt'));
    expect(denied.exitCode).toBe(0);
    expect(JSON.parse(denied.stdout).hookSpecificOutput).toMatchObject({
      permissionDecision: 'deny',
      permissionDecisionReason: expect.stringContaining('other.txt is outside'),
    });
    const shell = await runHookAsync(hook, env, {
      tool_name: 'Bash',
      tool_input: { command: 'rm -rf /' },
      cwd: dir,
    });
    expect(JSON.parse(shell.stdout).hookSpecificOutput.permissionDecisionReason).toBe('asked the user');
    // No channel, a channel nobody listens on, or input that is not JSON: refused, exit 2.
    expect((await runHookAsync(hook, { HACO_REPO_ROOT: dir }, call('mine.txt'))).exitCode).toBe(2);
    const gone = await runHookAsync(hook, { ...env, HACO_ASK_SOCKET: join(dir, 'nobody') }, call('mine.txt'));
    expect(gone.exitCode).toBe(2);
    expect(JSON.parse(gone.stdout).hookSpecificOutput.permissionDecision).toBe('deny');
    expect((await runHookAsync(hook, env, '{not json')).exitCode).toBe(2);
  });
});
