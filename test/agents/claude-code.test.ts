import { describe, expect, it } from 'vitest';

import {
  claudeCodeAdapter,
  claudeStdin,
  claudeToolAction,
  parseClaudeLine,
  READ_TOOLS,
} from '../../agents/claude-code.js';
import type { LaunchContext, PermissionRequest } from '../../agents/types.js';
import type { TaskSpec } from '../../src/plan/schema.js';

// Lines recorded from claude 2.1.112 (-p --verbose --output-format stream-json), shortened.
const INIT =
  '{"type":"system","subtype":"init","cwd":"/r","session_id":"0b5c1e2a-1111-4222-8333-944445555666","tools":["Write"],"model":"claude-sonnet-4-5"}';
const TOOL_USE =
  '{"type":"assistant","message":{"content":[{"type":"tool_use","id":"toolu_1","name":"Write","input":{"file_path":"/r/src/a.ts","content":"x"}}]},"session_id":"0b5c1e2a-1111-4222-8333-944445555666"}';
const DENIED =
  '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,"content":"Claude requested permissions to write to /r/b.ts, but you haven\'t granted it yet."}]}}';
// claude 2.1.112 with --input-format stream-json --permission-prompt-tool stdio, before a Write.
const CAN_USE_TOOL =
  '{"type":"control_request","request_id":"51a6c4c7-7f69-4690-8f73-62a6ffcf54bc","request":{"subtype":"can_use_tool","tool_name":"Write","display_name":"Write","input":{"file_path":"/r/other/secret.txt","content":"x"},"permission_suggestions":[{"type":"setMode","mode":"acceptEdits","destination":"session"}],"tool_use_id":"toolu_b2c2657d8c225b1074b868b1"}}';
const CAN_USE_BASH =
  '{"type":"control_request","request_id":"c7e5aaae-7e2b-488e-9bec-355aa0906ad9","request":{"subtype":"can_use_tool","tool_name":"Bash","display_name":"Bash","input":{"command":"rm -rf foo"},"permission_suggestions":[],"blocked_path":"/r/foo","tool_use_id":"toolu_075a78424caf7855fbe79554"}}';
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
    expect(parseClaudeLine(DENIED)[0]).toMatchObject({
      type: 'display',
      text: expect.stringContaining('error: Claude requested permissions'),
    });
  });

  it('ends at the result event with cost (USD) and usage', () => {
    const signals = parseClaudeLine(RESULT);
    expect(signals).toContainEqual({ type: 'session', sessionId: '0b5c1e2a-1111-4222-8333-944445555666' });
    expect(signals).toContainEqual({
      type: 'done',
      ok: true,
      costUsd: 0.045921,
      // Normalised by the adapter (one shape for every agent type), claude's own object kept as raw.
      usage: { inputTokens: 10, outputTokens: 5, raw: { input_tokens: 10, output_tokens: 5 } },
      message: 'done.',
    });
  });

  it('reports an error result as not ok', () => {
    const line = '{"type":"result","subtype":"error_max_turns","is_error":true,"session_id":"s"}';
    expect(parseClaudeLine(line)).toContainEqual(expect.objectContaining({ type: 'done', ok: false }));
  });

  it('shows non-JSON lines and drops terminal-reset noise', () => {
    expect(parseClaudeLine('Error: something broke')).toEqual([
      { type: 'display', text: 'Error: something broke' },
    ]);
    expect(parseClaudeLine('\x1b[?1006l\x1b[?25h\x1b]0;\x07')).toEqual([]);
  });
});

describe('permission requests (--permission-prompt-tool stdio)', () => {
  it('turns can_use_tool into a permission signal with what the tool would do', () => {
    expect(parseClaudeLine(`${CAN_USE_TOOL}\r`)).toEqual([
      {
        type: 'permission',
        request: {
          requestId: '51a6c4c7-7f69-4690-8f73-62a6ffcf54bc',
          tool: 'Write',
          input: { file_path: '/r/other/secret.txt', content: 'x' },
          action: { kind: 'write', paths: ['/r/other/secret.txt'] },
        },
      },
    ]);
    expect(parseClaudeLine(CAN_USE_BASH)).toEqual([
      {
        type: 'permission',
        request: expect.objectContaining({
          tool: 'Bash',
          action: { kind: 'shell', command: 'rm -rf foo' },
        }) as PermissionRequest,
      },
    ]);
  });

  it('shows control requests it cannot answer instead of dropping them', () => {
    const line = '{"type":"control_request","request_id":"x","request":{"subtype":"hook_callback"}}';
    expect(parseClaudeLine(line)).toEqual([
      { type: 'display', text: '? unhandled control request hook_callback' },
    ]);
  });

  it.each([
    ['Read', { file_path: '/r/a' }, { kind: 'read' }],
    ['Glob', { pattern: '**/*.ts' }, { kind: 'read' }],
    ['TodoWrite', { todos: [] }, { kind: 'read' }],
    ['Write', { file_path: '/r/a.ts', content: '' }, { kind: 'write', paths: ['/r/a.ts'] }],
    ['Edit', { file_path: 'a.ts', old_string: 'a', new_string: 'b' }, { kind: 'write', paths: ['a.ts'] }],
    ['MultiEdit', { file_path: '/r/b.ts', edits: [] }, { kind: 'write', paths: ['/r/b.ts'] }],
    [
      'NotebookEdit',
      { notebook_path: '/r/n.ipynb', new_source: '' },
      { kind: 'write', paths: ['/r/n.ipynb'] },
    ],
    ['Write', { content: 'no path' }, { kind: 'write', paths: [] }],
    ['Bash', { command: 'npm test', description: 'run tests' }, { kind: 'shell', command: 'npm test' }],
    ['WebFetch', { url: 'https://example.com' }, { kind: 'other' }],
    ['Task', { prompt: 'p' }, { kind: 'other' }],
  ])('classifies %s %j', (tool, input, action) => {
    expect(claudeToolAction(tool, input)).toEqual(action);
  });

  it('answers with a control_response: allow echoes the input, deny carries the message', () => {
    const [signal] = parseClaudeLine(CAN_USE_TOOL);
    if (signal?.type !== 'permission') throw new Error('expected a permission signal');
    const stdin = claudeStdin;
    expect(JSON.parse(stdin.answerPermission(signal.request, { behavior: 'allow' }))).toEqual({
      type: 'control_response',
      response: {
        subtype: 'success',
        request_id: '51a6c4c7-7f69-4690-8f73-62a6ffcf54bc',
        response: { behavior: 'allow', updatedInput: { file_path: '/r/other/secret.txt', content: 'x' } },
      },
    });
    const deny = stdin.answerPermission(signal.request, { behavior: 'deny', message: 'haco: no' });
    expect(deny).not.toContain('\n');
    expect(JSON.parse(deny)).toMatchObject({
      response: { request_id: signal.request.requestId, response: { behavior: 'deny', message: 'haco: no' } },
    });
    expect(stdin.describePermission(signal.request, { behavior: 'allow' })).toBe(
      '? Write(/r/other/secret.txt) — allowed',
    );
    expect(stdin.describePermission(signal.request, { behavior: 'deny', message: 'haco: no' })).toBe(
      '? Write(/r/other/secret.txt) — denied',
    );
  });
});

describe('claudeCodeAdapter.launch', () => {
  const ctx: LaunchContext = {
    repoRoot: '/r',
    runId: 'r1',
    attempt: 1,
    prompt: 'do "it"\nnow',
    promptFile: '/r/p.md',
    taskFile: '/r/t.json',
    attemptDir: '/r/.haco/runs/r1/t/attempt-1',
  };

  it('reads the prompt and permission answers on stdin and pre-approves only reads', () => {
    const spec = claudeCodeAdapter.launch({ type: 'claude-code', model: 'm1' }, task, ctx);
    expect(spec.command).toBe('claude');
    expect(spec.args).toEqual([
      '-p',
      '--verbose',
      '--input-format',
      'stream-json',
      '--output-format',
      'stream-json',
      '--permission-prompt-tool',
      'stdio',
      '--permission-mode',
      'default',
      '--allowedTools',
      ...READ_TOOLS,
      '--model',
      'm1',
    ]);
    expect(spec.args.join(' ')).not.toMatch(/\b(Write|Edit|MultiEdit|NotebookEdit|Bash)\b/);
    expect(spec.args).not.toContain(ctx.prompt);
  });

  it('resumes a session with --resume <session_id>, the prompt still on stdin', () => {
    expect(claudeCodeAdapter.canResume).toBe(true);
    const resumed = { ...ctx, prompt: 'go on', resume: { sessionId: 'sess-1' } };
    const spec = claudeCodeAdapter.launch({ type: 'claude-code' }, task, resumed);
    expect(spec.args.slice(6, 8)).toEqual(['--resume', 'sess-1']);
    expect(spec.args).not.toContain('go on');
    expect(JSON.parse(claudeStdin.initialInput(task, resumed)[0]!)).toMatchObject({
      message: { role: 'user', content: 'go on' },
    });
    expect(claudeCodeAdapter.launch({ type: 'claude-code' }, task, ctx).args).not.toContain('--resume');
  });

  it('sends the prompt as one stream-json user message', () => {
    const lines = claudeStdin.initialInput(task, ctx);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(JSON.parse(lines[0]!)).toEqual({
      type: 'user',
      message: { role: 'user', content: 'do "it"\nnow' },
      parent_tool_use_id: null,
      session_id: '',
    });
  });
});
