import { describe, expect, it } from 'vitest';

import { opencodeAdapter, opencodeEditRules, parseOpencodeLine } from '../../agents/opencode.js';
import { ownershipMatcher } from '../../src/ownership/paths.js';

/**
 * opencode 1.18's permission check, as research/agent-clis-offline.md §2.4 describes it: each rule's
 * pattern is a wildcard (`*` any characters, `/` included; `?` one character; the rest literal)
 * matched against the repo-relative path, and the last matching rule wins.
 */
function opencodeAllows(rules: Record<string, string>, path: string): boolean {
  let action = 'allow';
  for (const [pattern, value] of Object.entries(rules)) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    if (new RegExp(`^${source}$`, 's').test(path)) action = value;
  }
  return action === 'allow';
}

const PATHS = [
  'README.md',
  'a.ts',
  'src/a.ts',
  'src/a.js',
  'src/sub/a.ts',
  'src/sub/deep/b.ts',
  'src/mine/x.txt',
  'src/mine/deep/y.txt',
  'src/minex/z.txt',
  'docs/guide.md',
  'docs/guide.md/inner',
  'lib/x.ts',
  'lib/deep/y.ts',
  'lib/deep/y.js',
  'pkg/a/index.ts',
  'pkg/a/b/index.ts',
];

describe('opencode edit rules from owned paths', () => {
  const cases: string[][] = [
    ['src/mine/**'],
    ['src/mine/'],
    ['docs/guide.md'],
    ['src/*.ts'],
    ['lib/**/*.ts'],
    ['pkg/*/index.ts'],
    ['src/*.ts', 'src/sub/*.ts'],
    ['src/sub/*.ts', 'src/*.ts', 'docs/guide.md'],
    ['*.ts'],
  ];
  it.each(cases)('allows exactly what %s owns', (...owned) => {
    const { rules, unexpressed } = opencodeEditRules(owned);
    expect(unexpressed).toEqual([]);
    const owns = ownershipMatcher(owned.map((p) => (p.endsWith('/') ? `${p}**` : p)));
    for (const path of PATHS)
      expect(opencodeAllows(rules, path), `${owned.join(',')} ${path}`).toBe(owns(path));
  });

  it('leaves out what it cannot say exactly, so opencode refuses it', () => {
    const { rules, unexpressed } = opencodeEditRules(['src/{a,b}.ts', 'x/**/y/*.ts', 'ok.txt']);
    expect(unexpressed).toEqual(['src/{a,b}.ts', 'x/**/y/*.ts']);
    expect(opencodeAllows(rules, 'src/a.ts')).toBe(false);
    expect(opencodeAllows(rules, 'ok.txt')).toBe(true);
  });

  it('launches opencode run with the permission rules and the provider from base_url', () => {
    const spec = opencodeAdapter.launch(
      {
        type: 'opencode',
        model: 'stub/stub-model',
        base_url: 'http://127.0.0.1:9/v1',
        price: { input_per_mtok: 3, output_per_mtok: 15 },
      },
      { id: 't', title: 't', files: ['src/mine/**'], prompt: 'p', dependsOn: [] } as never,
      { prompt: 'do it' } as never,
    );
    expect(spec.args).toEqual(['run', '--format', 'json', '-m', 'stub/stub-model', 'do it']);
    expect(JSON.parse(spec.env.OPENCODE_PERMISSION ?? '')).toEqual({
      edit: { '*': 'deny', 'src/mine/*': 'allow' },
      external_directory: 'deny',
    });
    expect(JSON.parse(spec.env.OPENCODE_CONFIG_CONTENT ?? '')).toMatchObject({
      provider: {
        stub: {
          options: { baseURL: 'http://127.0.0.1:9/v1' },
          models: { 'stub-model': { cost: { input: 3, output: 15 } } },
        },
      },
    });
  });
});

describe('parseOpencodeLine (opencode run --format json, 1.18.33)', () => {
  const line = (o: object) => JSON.stringify(o);
  const step = (sessionID: string, reason: string, cost: number) =>
    line({
      type: 'step_finish',
      sessionID,
      part: {
        reason,
        cost,
        tokens: { total: 130, input: 100, output: 20, reasoning: 5, cache: { write: 0, read: 5 } },
      },
    });

  it('reports the session, shows text and tool calls with refusals, and sums steps into done', () => {
    const sid = 'ses_parse_1';
    expect(parseOpencodeLine(line({ type: 'step_start', sessionID: sid, part: {} }))).toEqual([
      { type: 'session', sessionId: sid },
      { type: 'display', text: `opencode session ${sid}` },
    ]);
    expect(
      parseOpencodeLine(
        line({
          type: 'tool_use',
          sessionID: sid,
          part: {
            tool: 'write',
            state: {
              status: 'error',
              input: { filePath: '/r/src/other.js' },
              error: 'The user has specified a rule which prevents you from using this specific tool call.',
            },
          },
        }),
      ),
    ).toEqual([
      { type: 'display', text: '● write(/r/src/other.js)' },
      {
        type: 'display',
        text: '  ⎿ refused: The user has specified a rule which prevents you from using this specific tool call.',
      },
    ]);
    expect(parseOpencodeLine(step(sid, 'tool-calls', 0.001))).toEqual([]);
    expect(parseOpencodeLine(line({ type: 'text', sessionID: sid, part: { text: 'Done.' } }))).toEqual([
      { type: 'display', text: 'Done.' },
    ]);
    const done = parseOpencodeLine(step(sid, 'stop', 0.002)).find((s) => s.type === 'done');
    expect(done).toMatchObject({ ok: true, usage: { inputTokens: 210, outputTokens: 50 } });
    expect(done?.type === 'done' && done.costUsd).toBeCloseTo(0.003, 9);
  });

  it('leaves out a cost of 0 and fails on an error event', () => {
    const done = parseOpencodeLine(step('ses_parse_2', 'stop', 0)).find((s) => s.type === 'done');
    expect(done).toMatchObject({ ok: true });
    expect(done && 'costUsd' in done).toBe(false);
    const failed = parseOpencodeLine(
      line({
        type: 'error',
        sessionID: 'ses_parse_3',
        error: { name: 'APIError', data: { message: 'Bad Request', statusCode: 400 } },
      }),
    ).find((s) => s.type === 'done');
    expect(failed).toEqual({ type: 'done', ok: false, message: 'APIError: Bad Request' });
    expect(parseOpencodeLine('! permission requested')).toEqual([
      { type: 'display', text: '! permission requested' },
    ]);
  });
});
