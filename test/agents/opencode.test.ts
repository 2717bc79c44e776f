import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { describe, expect, it } from 'vitest';

import {
  opencodeAdapter,
  opencodeAskRequest,
  opencodeEditRules,
  parseOpencodeLine,
} from '../../agents/opencode.js';
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

  it('resumes a session with --session <id> before the model and the prompt', (context) => {
    const attemptDir = mkdtempSync(join(tmpdir(), 'haco-opencode-'));
    context.onTestFinished(() => rmSync(attemptDir, { recursive: true, force: true }));
    expect(opencodeAdapter.canResume).toBe(true);
    const task = { id: 't', title: 't', files: ['a'], prompt: 'p', dependsOn: [] } as never;
    const config = { type: 'opencode', model: 'stub/stub-model' } as const;
    const resumed = opencodeAdapter.launch(config, task, {
      prompt: 'go on',
      attemptDir,
      resume: { sessionId: 'ses_1' },
    } as never);
    expect(resumed.args).toEqual([
      'run',
      '--format',
      'json',
      '--session',
      'ses_1',
      '-m',
      'stub/stub-model',
      'go on',
    ]);
    expect(opencodeAdapter.launch(config, task, { prompt: 'go', attemptDir } as never).args).not.toContain(
      '--session',
    );
  });

  it('launches opencode run with haco’s plugin, the permission rules and the provider from base_url', (context) => {
    const dir = mkdtempSync(join(tmpdir(), 'haco-oc-'));
    context.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const spec = opencodeAdapter.launch(
      {
        type: 'opencode',
        model: 'stub/stub-model',
        base_url: 'http://127.0.0.1:9/v1',
        price: { input_per_mtok: 3, output_per_mtok: 15 },
      },
      { id: 't', title: 't', files: ['src/mine/**'], prompt: 'p', dependsOn: [] } as never,
      { prompt: 'do it', attemptDir: dir, askSocket: '/tmp/x/s' } as never,
    );
    expect(spec.args).toEqual(['run', '--format', 'json', '-m', 'stub/stub-model', 'do it']);
    expect(JSON.parse(spec.env.OPENCODE_PERMISSION ?? '')).toEqual({
      edit: { '*': 'deny', 'src/mine/*': 'allow' },
      external_directory: 'deny',
    });
    // The plugin asks haco on the ask channel; opencode loads it from the attempt's directory.
    expect(spec.env.HACO_ASK_SOCKET).toBe('/tmp/x/s');
    expect(JSON.parse(spec.env.OPENCODE_CONFIG_CONTENT ?? '').plugin).toEqual([
      pathToFileURL(join(dir, 'opencode-plugin.js')).href,
    ]);
    const plugin = readFileSync(join(dir, 'opencode-plugin.js'), 'utf8');
    expect(plugin).toContain('opencode-plugin.js');
    expect(plugin).toContain('tool call refused');
    // With outside_write: breakpoint opencode's own rules must let an approved write through.
    const asking = opencodeAdapter.launch(
      { type: 'opencode', model: 'stub/stub-model' },
      { id: 't', title: 't', files: ['a'], prompt: 'p', dependsOn: [] } as never,
      { prompt: 'p', attemptDir: dir, outsideWrite: 'breakpoint' } as never,
    );
    expect(JSON.parse(asking.env.OPENCODE_PERMISSION ?? '')).toEqual({
      edit: 'allow',
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

  it('reads plugin requests into actions: file tools write, bash runs, readers read, the rest is other', () => {
    const action = (tool: string, input: object) => opencodeAskRequest({ tool, input })?.action;
    expect(action('write', { filePath: '/r/a.ts', content: 'x' })).toEqual({
      kind: 'write',
      paths: ['/r/a.ts'],
    });
    expect(action('edit', { filePath: '/r/b.ts' })).toEqual({ kind: 'write', paths: ['/r/b.ts'] });
    expect(
      action('apply_patch', { patchText: '*** Begin Patch\n*** Add File: c.ts\n+x\n*** End Patch' }),
    ).toEqual({
      kind: 'write',
      paths: ['c.ts'],
    });
    expect(action('bash', { command: 'npm test' })).toEqual({ kind: 'shell', command: 'npm test' });
    expect(action('read', { filePath: '/r/a.ts' })).toEqual({ kind: 'read' });
    expect(action('webfetch', { url: 'https://x' })).toEqual({ kind: 'other' });
    expect(action('write', {})).toEqual({ kind: 'write', paths: [] });
    expect(opencodeAskRequest({ input: {} })).toBe(undefined);
    expect(opencodeAskRequest(null)).toBe(undefined);
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
