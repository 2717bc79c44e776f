import { describe, expect, it } from 'vitest';

import { allowedToolRules, claudeCodeAdapter, parseClaudeLine } from '../../agents/claude-code.js';
import type { TaskSpec } from '../../src/plan/schema.js';

// Lines recorded from claude 2.1.112 (-p --verbose --output-format stream-json), shortened.
const INIT = '{"type":"system","subtype":"init","cwd":"/r","session_id":"0b5c1e2a-1111-4222-8333-944445555666","tools":["Write"],"model":"claude-sonnet-4-5"}';
const TOOL_USE =
  '{"type":"assistant","message":{"content":[{"type":"tool_use","id":"toolu_1","name":"Write","input":{"file_path":"/r/src/a.ts","content":"x"}}]},"session_id":"0b5c1e2a-1111-4222-8333-944445555666"}';
const DENIED =
  '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,"content":"Claude requested permissions to write to /r/b.ts, but you haven\'t granted it yet."}]}}';
const RESULT =
  '{"type":"result","subtype":"success","is_error":false,"result":"done.","session_id":"0b5c1e2a-1111-4222-8333-944445555666","total_cost_usd":0.045921,"usage":{"input_tokens":10,"output_tokens":5}}';

const task: TaskSpec = {
  id: 't',
  title: 'T',
  agent: 'claude',
  files: ['src/a.ts', 'docs/**'],
  dependsOn: [],
  prompt: 'p',
  acceptance: [],
  verify: [],
  timeoutMs: 1000,
  retries: 0,
};

describe('parseClaudeLine', () => {
  it('takes the session id from init and shows it', () => {
    expect(parseClaudeLine(`${INIT}\r`)).toEqual([
      { type: 'session', sessionId: '0b5c1e2a-1111-4222-8333-944445555666' },
      { type: 'display', text: 'claude session 0b5c1e2a-1111-4222-8333-944445555666' },
    ]);
  });

  it('shows tool uses and refused tool results', () => {
    expect(parseClaudeLine(TOOL_USE)).toEqual([{ type: 'display', text: '● Write(/r/src/a.ts)' }]);
    expect(parseClaudeLine(DENIED)[0]).toMatchObject({ type: 'display', text: expect.stringContaining('error: Claude requested permissions') });
  });

  it('ends at the result event with cost (USD) and usage', () => {
    const signals = parseClaudeLine(RESULT);
    expect(signals).toContainEqual({ type: 'session', sessionId: '0b5c1e2a-1111-4222-8333-944445555666' });
    expect(signals).toContainEqual({
      type: 'done',
      ok: true,
      costUsd: 0.045921,
      usage: { input_tokens: 10, output_tokens: 5 },
      message: 'done.',
    });
  });

  it('reports an error result as not ok', () => {
    const line = '{"type":"result","subtype":"error_max_turns","is_error":true,"session_id":"s"}';
    expect(parseClaudeLine(line)).toContainEqual(expect.objectContaining({ type: 'done', ok: false }));
  });

  it('shows non-JSON lines and drops terminal-reset noise', () => {
    expect(parseClaudeLine('Error: something broke')).toEqual([{ type: 'display', text: 'Error: something broke' }]);
    expect(parseClaudeLine('\x1b[?1006l\x1b[?25h\x1b]0;\x07')).toEqual([]);
  });
});

describe('claudeCodeAdapter.launch', () => {
  it('scopes writes to the task files and passes the model', () => {
    const spec = claudeCodeAdapter.launch({ type: 'claude-code', model: 'm1' }, task, {
      repoRoot: '/r',
      runId: 'r1',
      attempt: 1,
      prompt: 'do it',
      promptFile: '/r/p.md',
      taskFile: '/r/t.json',
    });
    expect(spec.command).toBe('claude');
    expect(spec.args.slice(0, 6)).toEqual(['-p', 'do it', '--verbose', '--output-format', 'stream-json', '--permission-mode']);
    expect(spec.args).toContain('Write(src/a.ts)');
    expect(spec.args).toContain('Edit(docs/**)');
    expect(spec.args).not.toContain('Bash');
    expect(spec.args.slice(-2)).toEqual(['--model', 'm1']);
    expect(allowedToolRules([])).toEqual(['Read', 'Glob', 'Grep', 'LS', 'TodoWrite']);
  });
});
