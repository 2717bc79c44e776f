import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { CLAUDE_BIN } from '../helpers/claude.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { startModelServer, type Dialect, type ModelServer, type Turn } from '../support/model-server.js';

const AGENT = '#!/bin/sh\nmkdir -p out && echo "$HACO_TASK_ID" > "out/$HACO_TASK_ID.txt"\n';

/** A valid two-task plan for the fake `command` agent: api first, then ui. */
const GOOD_PLAN = {
  version: 1,
  goal: 'add a greeting API and its page',
  tasks: [
    {
      id: 'api',
      agent: 'fake',
      files: ['out/api.txt'],
      prompt: 'write the api',
      verify: ['test -f out/api.txt'],
    },
    {
      id: 'ui',
      agent: 'fake',
      files: ['out/ui.txt'],
      depends_on: ['api'],
      prompt: 'write the page',
      verify: ['test -f out/ui.txt'],
    },
  ],
};
/** Both tasks own `out/` with no dependency between them: refused as overlapping ownership. */
const OVERLAP_PLAN = {
  ...GOOD_PLAN,
  tasks: GOOD_PLAN.tasks.map((t) => ({ ...t, files: ['out/'], depends_on: [] })),
};

let repo: TempRepo | undefined;
let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  repo?.dispose();
  repo = undefined;
  server = undefined;
});

type Provider = 'anthropic' | 'ollama' | 'claude-code';
const DIALECT: Record<Provider, Dialect> = {
  anthropic: 'anthropic',
  ollama: 'ollama',
  'claude-code': 'anthropic',
};

/** A repo with the fake agent, a config naming `provider` at the server, and the server playing `turns`. */
async function setUp(provider: Provider, turns: Turn[]): Promise<{ env: Record<string, string> }> {
  repo = makeRepo({
    files: { 'README.md': '# greeter\n', 'tools/agent.sh': AGENT },
    executables: ['tools/agent.sh'],
  });
  server = await startModelServer({ root: repo.root, [DIALECT[provider]]: turns, sequential: true });
  const supervisor: Record<Provider, string> = {
    anthropic: `{provider: anthropic, base_url: "${server.url}", api_key_env: HACO_TEST_KEY, price: {input_per_mtok: 3, output_per_mtok: 15}}`,
    ollama: `{provider: ollama, host: "${server.url}", model: stub-model}`,
    'claude-code': `{provider: claude-code, command: "${CLAUDE_BIN}", base_url: "${server.url}", model: claude-sonnet-4-5}`,
  };
  writeFileSync(
    join(repo.home, 'cfg.yaml'),
    [
      'agents:',
      '  fake: {type: command, command: ./tools/agent.sh, price: {input_per_mtok: 1, output_per_mtok: 5}}',
      'defaults: {agent: fake}',
      `supervisor: ${supervisor[provider]}`,
      '',
    ].join('\n'),
  );
  const env = {
    HOME: repo.home,
    HACO_TEST_KEY: 'sk-test',
    ANTHROPIC_AUTH_TOKEN: 'test-token',
    ANTHROPIC_API_KEY: '',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
  };
  return { env };
}

const cfg = (): string => join(repo?.home ?? '', 'cfg.yaml');

describe('haco plan', () => {
  it.each<Provider>(['anthropic', 'ollama', 'claude-code'])(
    '%s: a request becomes a plan that validates and runs to completion',
    async (provider) => {
      const { env } = await setUp(provider, [{ text: JSON.stringify(GOOD_PLAN) }]);
      const root = repo!.root;
      const planned = await runHaco(
        ['plan', 'add a greeting API and its page', '--config', cfg(), '--json'],
        {
          cwd: root,
          env,
        },
      );
      expect(planned.stderr).toBe('');
      expect(planned.exitCode).toBe(0);
      const out = JSON.parse(planned.stdout) as {
        plan_file: string;
        usage: { input_tokens: number; output_tokens: number; calls: number };
        cost_usd: number | null;
        estimate: { cost_usd: number | null; tasks: unknown[] };
      };
      expect(out.plan_file).toMatch(/\.haco\/plans\/.+\.yaml$/);
      expect(out.usage.calls).toBe(1);
      expect(out.usage.output_tokens).toBeGreaterThan(0);
      if (provider === 'anthropic') expect(out.cost_usd).toBeGreaterThan(0);
      if (provider === 'claude-code') expect(out.cost_usd).not.toBeNull();
      expect(out.estimate.tasks).toHaveLength(2);
      expect(out.estimate.cost_usd).toBeGreaterThan(0);
      expect(repo!.git('status', '--porcelain')).toBe('');
      // The model was told the request, the agents (with what doctor found), the repo and the rules.
      const asked = JSON.stringify(server!.turnsOf(DIALECT[provider])[0]?.body);
      for (const needle of [
        'add a greeting API',
        'fake (command, the default): ready',
        'README.md',
        'hub files',
      ])
        expect(asked).toContain(needle);
      const validated = await runHaco(['validate', out.plan_file, '--config', cfg()], { cwd: root, env });
      expect(validated.stdout).toContain('valid · 2 task(s)');
      const run = await runHaco(['run', out.plan_file, '--yes', '--headless', '--config', cfg()], {
        cwd: root,
        env,
      });
      expect(run.exitCode).toBe(0);
      expect(readFileSync(join(root, 'out/ui.txt'), 'utf8')).toBe('ui\n');
    },
    120_000,
  );

  it('repairs a bad answer: bad JSON, then overlapping ownership, then a valid plan', async () => {
    const { env } = await setUp('anthropic', [
      { text: 'Sure! Here is the plan: version one' },
      { text: JSON.stringify(OVERLAP_PLAN) },
      { text: JSON.stringify(GOOD_PLAN) },
    ]);
    const result = await runHaco(['plan', 'add a greeting API', '-o', 'plan.yaml', '--config', cfg()], {
      cwd: repo!.root,
      env,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe('plan.yaml');
    const turns = server!.turnsOf('anthropic');
    expect(turns).toHaveLength(3);
    expect(JSON.stringify(turns[1]?.body)).toContain('not one JSON object');
    expect(JSON.stringify(turns[2]?.body)).toContain('overlaps');
    expect(readFileSync(join(repo!.root, 'plan.yaml'), 'utf8')).toContain('id: ui');
    const again = await runHaco(['plan', 'x', '-o', 'plan.yaml', '--config', cfg()], {
      cwd: repo!.root,
      env,
    });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toBe('haco: plan.yaml: exists; pass --force to overwrite it');
  });

  it('persistently bad answers: one line, exit 2, raw answers saved, no plan, git status unchanged', async () => {
    const { env } = await setUp('ollama', [
      { text: 'not json' },
      { text: JSON.stringify(OVERLAP_PLAN) },
      { text: JSON.stringify({ ...GOOD_PLAN, tasks: [{ ...GOOD_PLAN.tasks[0], agent: 'nobody' }] }) },
    ]);
    const before = repo!.git('status', '--porcelain');
    const result = await runHaco(['plan', 'add a greeting API', '--config', cfg()], { cwd: repo!.root, env });
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /no valid plan after 2 repair rounds .*unknown agent "nobody".*\.haco\/supervisor\/plan-/,
    );
    expect(server!.turnsOf('ollama')).toHaveLength(3);
    const saved = readdirSync(join(repo!.root, '.haco', 'supervisor'));
    expect(saved).toHaveLength(1);
    const text = readFileSync(join(repo!.root, '.haco', 'supervisor', saved[0] ?? ''), 'utf8');
    expect(text).toContain('not json');
    expect(text).toContain('"nobody"');
    expect(readdirSync(join(repo!.root, '.haco'))).toEqual(['supervisor']);
    expect(repo!.git('status', '--porcelain')).toBe(before);
  });

  it('--estimate-only prints the estimate and writes no plan file', async () => {
    const { env } = await setUp('anthropic', [{ text: JSON.stringify(GOOD_PLAN) }]);
    const result = await runHaco(['plan', 'add a greeting API', '--estimate-only', '--config', cfg()], {
      cwd: repo!.root,
      env,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^estimate: 2 task\(s\) · ≈ [\d.k]+\/[\d.k]+ tok · ≈ \$\d+\.\d\d$/);
    expect(existsSync(join(repo!.root, '.haco'))).toBe(false);
  });
});
