import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ConfigSchema, type Config } from '../../src/config/schema.js';
import {
  delegateGrants,
  delegateProtocol,
  delegateSetup,
  hacoCliPath,
  readDelegateLog,
  shellWord,
} from '../../src/orchestrator/delegate.js';
import { decidePermission, taskPermissionPolicy } from '../../src/ownership/permission-policy.js';
import { checkPlan } from '../../src/plan/validate.js';

const config: Config = ConfigSchema.parse({
  concurrency: 2,
  agents: {
    claude: { type: 'claude-code' },
    fake: { type: 'command', command: '/bin/true' },
    local: { type: 'ollama', model: 'qwen2.5-coder:7b', host: 'http://127.0.0.1:11434' },
  },
  defaults: { agent: 'claude', timeout: '10m', retries: 1, verify_timeout: '5m' },
});

let repo: string;
beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'haco-delegate-'));
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

const plan = (task: Record<string, unknown>): unknown => ({
  version: 1,
  goal: 'g',
  tasks: [{ id: 'a', files: ['src/a.ts'], prompt: 'write a', ...task }],
});

describe('plan delegate:', () => {
  it('accepts an ollama agent on a claude-code task and keeps it on the task', () => {
    const { problems, plan: ok } = checkPlan(plan({ delegate: 'local' }), config, repo);
    expect(problems).toEqual([]);
    expect(ok?.tasks[0]?.delegate).toBe('local');
  });

  it('refuses a delegate that is not an ollama agent, one line naming the task', () => {
    const { problems } = checkPlan(plan({ delegate: 'fake' }), config, repo);
    expect(problems).toEqual([
      {
        path: 'tasks[0].delegate',
        message: 'task "a" delegates to "fake" of type command; delegate must name an ollama agent',
      },
    ]);
  });

  it('refuses an unknown delegate and a task whose own agent cannot delegate', () => {
    expect(checkPlan(plan({ delegate: 'nope' }), config, repo).problems[0]?.message).toContain(
      'delegates to "nope", which is not a configured agent',
    );
    expect(checkPlan(plan({ agent: 'fake', delegate: 'local' }), config, repo).problems[0]?.message).toBe(
      'task "a" runs on agent "fake" of type command; only claude-code, codex and opencode agents can delegate',
    );
  });
});

describe('delegate setup, prompt and permission', () => {
  const setup = () => {
    const s = delegateSetup(config, repo, 'run1', { id: 'a', delegate: 'local' });
    if (!s) throw new Error('no setup');
    return s;
  };

  it('gives an absolute command line with no shell control character', () => {
    const s = setup();
    expect(s.command).toBe(
      [
        process.execPath,
        hacoCliPath(),
        'worker --json --model qwen2.5-coder:7b --host http://127.0.0.1:11434 --prompt-file',
        join(repo, '.haco', 'runs', 'run1', 'a', 'delegate-prompt.md'),
      ].join(' '),
    );
    expect(s.command).not.toMatch(/[;&|<>`$()\n]/);
    expect(delegateSetup(config, repo, 'run1', { id: 'a' })).toBeUndefined();
  });

  it('quotes a word that needs it', () => {
    expect(shellWord('/a b/c')).toBe("'/a b/c'");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord('/plain/path.md')).toBe('/plain/path.md');
  });

  it('tells the protocol with the exact command and the request file', () => {
    const text = delegateProtocol(setup());
    expect(text).toContain(setup().command);
    expect(text).toContain(setup().promptFile);
    expect(text).toContain('more than ~20 lines');
    expect(text).toContain('untrusted');
    expect(text).toContain('only into the files you own');
  });

  it("allows exactly the task's command and request file, nothing near them", () => {
    const s = setup();
    const grants = delegateGrants(config, repo, 'run1', { id: 'a', delegate: 'local' });
    expect(grants).toEqual({ bashAllow: [s.command], scratch: ['.haco/runs/run1/a/delegate-prompt.md'] });
    expect(delegateGrants(config, repo, 'run1', { id: 'b' })).toEqual({});
    const policy = taskPermissionPolicy(repo, ['src/a.ts'], undefined, grants);
    const shell = (command: string, p = policy) =>
      decidePermission({ requestId: '1', tool: 'Bash', input: {}, action: { kind: 'shell', command } }, p);
    const write = (path: string) =>
      decidePermission(
        { requestId: '2', tool: 'Write', input: {}, action: { kind: 'write', paths: [path] } },
        policy,
      );
    expect(shell(s.command)).toEqual({ decision: { behavior: 'allow' } });
    expect(shell(`${s.command} --host http://elsewhere`)).toHaveProperty('breakpoint');
    expect(shell(`${s.command}; rm -rf src`)).toHaveProperty('breakpoint');
    expect(shell(s.command.replace('--prompt-file', '--diff --prompt-file'))).toHaveProperty('breakpoint');
    expect(write(s.promptFile)).toEqual({ decision: { behavior: 'allow' } });
    expect(write(join(repo, '.haco', 'runs', 'run1', 'a', 'other.md'))).toHaveProperty(
      'decision.behavior',
      'deny',
    );
    // Without the grants (another task) neither is allowed.
    const plain = taskPermissionPolicy(repo, ['src/a.ts'], undefined);
    expect(shell(s.command, plain)).toHaveProperty('breakpoint');
  });
});

describe('readDelegateLog', () => {
  it('reads the calls and counts unreadable lines', () => {
    const file = join(repo, 'log.jsonl');
    const call = {
      ok: true,
      model: 'm',
      prompt_bytes: 12,
      duration_ms: 30,
      tokens: { input: 5, output: 7 },
      error: null,
    };
    writeFileSync(file, `${JSON.stringify(call)}\n{"ok":true}\n{cut`);
    expect(readDelegateLog(file)).toEqual({ calls: [call], unreadable: 2 });
    expect(readDelegateLog(join(repo, 'none'))).toEqual({ calls: [], unreadable: 0 });
  });
});
