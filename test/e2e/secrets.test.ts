import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { execa } from 'execa';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, PROJECT_ROOT, type TempRepo } from '../helpers/repo.js';
import { withState } from '../helpers/state.js';
import { screenUntil, startTui } from '../helpers/tui.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.dispose()));

// Secrets are built from pieces so no scanner takes this file for a leak.
const PARENT_SECRETS = {
  AWS_SECRET_ACCESS_KEY: ['wJalrXUtnFEMI', 'K7MDENGbPxRfiCY', 'PARENTKEY1'].join('/'),
  GITHUB_TOKEN: `ghp_${'P'.repeat(36)}`,
  ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/parent-anthropic',
  EXTRA_ALLOWED: 'extra-from-parent',
  PFX_ONE: 'prefixed-from-parent',
  VERIFY_ALLOWED: 'verify-from-parent',
};
const CONFIG_SECRET = ['cfg', 'secret', 'value', '4242'].join('-');
const PRINTED_TOKEN = `ghp_${'Q'.repeat(36)}`;

/** `env` output as a map. */
function envOf(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

const modeOf = (path: string): number => statSync(path).mode & 0o777;

/** Every file and directory under `dir`, recursively (absolute paths). */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    return d.isDirectory() ? [path, ...walk(path)] : [path];
  });
}

// A command agent that dumps its environment and, on its first attempt, fails after printing its
// config secret and a token (which the failure message and the state database must not keep).
const COMMAND_AGENT = `#!/bin/sh
env > out/cmd-env.txt
if [ "$HACO_ATTEMPT" = 1 ]; then
  echo "using token $MY_SERVICE_TOKEN and ${PRINTED_TOKEN}"
  exit 1
fi
echo done
`;
// A stand-in for the claude CLI (same adapter as the real one): it dumps its environment and
// reports a stream-json result.
const FAKE_CLAUDE = `#!/bin/sh
env > out/claude-env.txt
echo '{"type":"system","subtype":"init","session_id":"s-1"}'
echo '{"type":"result","subtype":"success","is_error":false,"result":"ok","session_id":"s-1","total_cost_usd":0}'
`;

function secretsRepo(): TempRepo {
  const repo = makeRepo({
    files: {
      'agent.sh': COMMAND_AGENT,
      'claude.sh': FAKE_CLAUDE,
      // A check that prints a token: its output is stored, redacted (the plan only names the script).
      'check.sh': `#!/bin/sh\nenv > out/verify-env.txt\necho "deploy key ${PRINTED_TOKEN}"\n`,
      'out/.keep': '',
      'cfg.yaml': [
        'agents:',
        '  fake:',
        '    type: command',
        '    command: ./agent.sh',
        '    env:',
        `      MY_SERVICE_TOKEN: ${CONFIG_SECRET}`,
        '      AGENT_MODE: careful-mode',
        '    env_passthrough: [EXTRA_ALLOWED, PFX_*]',
        '  claude:',
        '    type: claude-code',
        '    command: ./claude.sh',
        'defaults: { agent: fake }',
        'verify_env_passthrough: [VERIFY_ALLOWED]',
        '',
      ].join('\n'),
      'plan.yaml': [
        'version: 1',
        'goal: dump environments',
        'tasks:',
        '  - id: cmd',
        '    files: [out/cmd-env.txt, out/verify-env.txt]',
        '    prompt: dump',
        '    retries: 1',
        '    verify: [./check.sh]',
        '  - { id: cc, agent: claude, files: [out/claude-env.txt], prompt: dump }',
        '',
      ].join('\n'),
    },
    executables: ['agent.sh', 'claude.sh', 'check.sh'],
  });
  repos.push(repo);
  return repo;
}

// Each test runs haco several times on a machine shared with other suites: allow for it.
describe('secrets', { timeout: 120_000 }, () => {
  it('gives agents and verify commands a minimal environment, stores no secret, and logs redacted', async () => {
    const repo = secretsRepo();
    const result = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--json'], {
      cwd: repo.root,
      env: { HOME: repo.home, ...PARENT_SECRETS },
    });
    expect(result.stderr).not.toContain('internal error');
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
      ['cmd', 'done', 2],
      ['cc', 'done', 1],
    ]);

    // The command agent: the basics, its config's env and its config's pass-through; nothing else.
    const cmd = envOf(join(repo.root, 'out/cmd-env.txt'));
    expect(cmd).toMatchObject({
      HOME: repo.home,
      MY_SERVICE_TOKEN: CONFIG_SECRET,
      AGENT_MODE: 'careful-mode',
      EXTRA_ALLOWED: PARENT_SECRETS.EXTRA_ALLOWED,
      PFX_ONE: PARENT_SECRETS.PFX_ONE,
      HACO_TASK_ID: 'cmd',
    });
    expect(cmd.PATH).toBeTruthy();
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'ANTHROPIC_BASE_URL', 'VERIFY_ALLOWED'])
      expect(cmd, name).not.toHaveProperty(name);

    // claude-code passes its type's variables (ANTHROPIC_*), not the command agent's.
    const claude = envOf(join(repo.root, 'out/claude-env.txt'));
    expect(claude.ANTHROPIC_BASE_URL).toBe(PARENT_SECRETS.ANTHROPIC_BASE_URL);
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'EXTRA_ALLOWED', 'MY_SERVICE_TOKEN'])
      expect(claude, name).not.toHaveProperty(name);

    // Verify commands: the basics, CI=1 and verify_env_passthrough.
    const verify = envOf(join(repo.root, 'out/verify-env.txt'));
    expect(verify).toMatchObject({ CI: '1', VERIFY_ALLOWED: PARENT_SECRETS.VERIFY_ALLOWED, HOME: repo.home });
    for (const name of [
      'AWS_SECRET_ACCESS_KEY',
      'GITHUB_TOKEN',
      'MY_SERVICE_TOKEN',
      'EXTRA_ALLOWED',
      'ANTHROPIC_BASE_URL',
    ])
      expect(verify, name).not.toHaveProperty(name);

    // The state database (and its WAL, if any) holds no secret bytes, yet knows the config's layers.
    const { stored, layers } = withState(repo.root, (db) => {
      const row = db.db.prepare('SELECT config_json, config_sources_json FROM runs').get() as {
        config_json: string;
        config_sources_json: string;
      };
      return { stored: row.config_json, layers: row.config_sources_json };
    });
    expect(JSON.parse(stored)).toMatchObject({
      agents: { fake: { env: { MY_SERVICE_TOKEN: '[redacted]', AGENT_MODE: '[redacted]' } } },
    });
    expect(JSON.parse(layers)).toMatchObject({ configFile: join(repo.root, 'cfg.yaml') });
    for (const file of ['state.db', 'state.db-wal']) {
      const path = join(repo.root, '.haco', file);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path).toString('latin1');
      for (const secret of [CONFIG_SECRET, PRINTED_TOKEN, ...Object.values(PARENT_SECRETS).slice(0, 2)])
        expect(bytes.includes(secret), `${file} holds ${secret.slice(0, 6)}…`).toBe(false);
    }

    // haco logs --json: every line parses, the audit is there, and nothing secret is printed.
    const logs = await runHaco(['logs', summary.run_id, '--json'], {
      cwd: repo.root,
      env: { HOME: repo.home },
    });
    expect(logs.stderr).toBe('');
    expect(logs.exitCode).toBe(0);
    const entries = logs.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { ts: number; kind: string; task: string | null; message: string });
    const kinds = new Set(entries.map((e) => e.kind));
    for (const kind of [
      'breakpoint:opened',
      'breakpoint:answered',
      'attempt:started',
      'attempt:ended',
      'verify:finished',
      'run:status-changed',
    ])
      expect(kinds, kind).toContain(kind);
    expect(entries.map((e) => e.ts)).toEqual([...entries.map((e) => e.ts)].sort((a, b) => a - b));
    expect(logs.stdout).toContain('[redacted]');
    for (const secret of [CONFIG_SECRET, PRINTED_TOKEN]) expect(logs.stdout).not.toContain(secret);
    const cmdOnly = await runHaco(['logs', summary.run_id, '--task', 'cc'], {
      cwd: repo.root,
      env: { HOME: repo.home },
    });
    expect(cmdOnly.exitCode).toBe(0);
    expect(cmdOnly.stdout).toContain('attempt 1 started');
    expect(cmdOnly.stdout).not.toMatch(/ cmd /);

    // Modes: .haco/ and every directory under it 700, every file 600.
    const haco = join(repo.root, '.haco');
    expect(modeOf(haco)).toBe(0o700);
    const paths = walk(haco);
    expect(paths.some((p) => p.endsWith('transcript.log'))).toBe(true);
    expect(paths.some((p) => p.endsWith('prompt.md'))).toBe(true);
    for (const path of paths) {
      const expected = statSync(path).isDirectory() ? 0o700 : 0o600;
      expect(modeOf(path).toString(8), path.slice(haco.length)).toBe(expected.toString(8));
    }
  });

  it('resumes a run that failed for a wrong agent command with a fixed --config, refusing a bad one', async () => {
    const agent =
      '#!/bin/sh\nif [ "$1" = --broken ]; then echo "unknown flag $1"; exit 3; fi\necho ok > out.txt\n';
    const repo = makeRepo({
      files: {
        'agent.sh': agent,
        'cfg.yaml':
          'agents:\n  a: { type: command, command: ./agent.sh, args: [--broken] }\ndefaults: { agent: a }\n',
        'fixed.yaml': 'agents:\n  a: { type: command, command: ./agent.sh }\ndefaults: { agent: a }\n',
        'bad.yaml': 'agents:\n  a: { type: command, command: ./agent.sh }\nconcurrency: 0\n',
        'other.yaml': 'agents:\n  b: { type: command, command: ./agent.sh }\ndefaults: { agent: b }\n',
        'plan.yaml': 'version: 1\ngoal: g\ntasks:\n  - { id: t, files: [out.txt], prompt: p }\n',
      },
      executables: ['agent.sh'],
    });
    repos.push(repo);
    const env = { HOME: repo.home };
    const first = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--json'], {
      cwd: repo.root,
      env,
    });
    expect(first.exitCode).toBe(1);
    const runId = (JSON.parse(first.stdout) as RunSummary).run_id;

    for (const [file, says] of [
      ['bad.yaml', 'the reloaded config is invalid: bad.yaml: concurrency'],
      ['other.yaml', 'the reloaded config has no agent "a"'],
    ] as const) {
      const refused = await runHaco(['resume', runId, '--config', file], { cwd: repo.root, env });
      expect(refused.exitCode, refused.stderr).toBe(2);
      expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(refused.stderr).toContain(says);
      expect(withState(repo.root, (db) => db.getRun(runId)?.status)).toBe('failed');
    }

    const resumed = await runHaco(['resume', runId, '--config', 'fixed.yaml', '--json'], {
      cwd: repo.root,
      env,
    });
    expect(resumed.stderr).not.toContain('internal error');
    expect(resumed.exitCode).toBe(0);
    const summary = JSON.parse(resumed.stdout) as RunSummary;
    expect(summary.status).toBe('completed');
    expect(summary.tasks).toMatchObject([{ id: 't', status: 'done', attempts: 2 }]);
    expect(readFileSync(join(repo.root, 'out.txt'), 'utf8')).toBe('ok\n');
    expect(repo.git('log', '--format=%s', '-1')).toMatch(/^haco\(t\): /);
    // The fixed file is now the run's layer.
    const layers = withState(repo.root, (db) => db.runConfigLayers(runId));
    expect(layers?.configFile).toBe(join(repo.root, 'fixed.yaml'));
  });

  it('haco logs: one line and exit 2 without state or for an unknown run; --follow streams until the run ends', async () => {
    const repo = makeRepo({
      files: {
        'agent.sh': '#!/bin/sh\nwhile [ ! -e go ]; do sleep 0.05; done\necho ok > out.txt\n',
        '.gitignore': 'go\n',
        'cfg.yaml': 'agents:\n  a: { type: command, command: ./agent.sh }\ndefaults: { agent: a }\n',
        'plan.yaml': 'version: 1\ngoal: g\ntasks:\n  - { id: t, files: [out.txt], prompt: p }\n',
      },
      executables: ['agent.sh'],
    });
    repos.push(repo);
    const env = { HOME: repo.home };
    const none = await runHaco(['logs', 'abc'], { cwd: repo.root, env });
    expect(none.exitCode).toBe(2);
    expect(none.stderr.trimEnd().split('\n')).toEqual([
      'haco: no runs yet in this repository (start one with: haco run PLAN)',
    ]);
    expect(existsSync(join(repo.root, '.haco'))).toBe(false);

    const run = execa(
      process.execPath,
      [`${PROJECT_ROOT}/dist/src/cli/haco.js`, 'run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--json'],
      {
        cwd: repo.root,
        env,
        reject: false,
        stdin: 'ignore',
      },
    );
    let stderrText = '';
    run.stderr?.on('data', (chunk: Buffer) => (stderrText += chunk.toString()));
    const runId = await vi.waitFor(
      () => {
        const id = /haco: run ([0-9a-f]{8})/.exec(stderrText)?.[1];
        if (!id) throw new Error('no run id yet');
        return id;
      },
      { timeout: 20_000, interval: 50 },
    );
    const unknown = await runHaco(['logs', 'ffffffff'], { cwd: repo.root, env });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain('no run "ffffffff"');

    const follow = execa(
      process.execPath,
      [`${PROJECT_ROOT}/dist/src/cli/haco.js`, 'logs', runId, '--follow', '--json'],
      {
        cwd: repo.root,
        env,
        reject: false,
        stdin: 'ignore',
      },
    );
    let followed = '';
    follow.stdout?.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    await vi.waitFor(() => expect(followed).toContain('attempt:started'), { timeout: 20_000, interval: 50 });
    expect(followed).not.toContain('"completed"');
    repo.write('go', '');
    const [ran, followResult] = await Promise.all([run, follow]);
    expect(ran.exitCode, stderrText).toBe(0);
    expect(followResult.exitCode).toBe(0);
    const last = JSON.parse(followed.trimEnd().split('\n').at(-1) ?? '{}') as {
      kind: string;
      data: { status?: string };
    };
    expect(last).toMatchObject({ kind: 'run:status-changed', data: { status: 'completed' } });

    // A run waiting at a breakpoint never ends by itself: Ctrl-C ends --follow with 130.
    const waiting = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--json'], {
      cwd: repo.root,
      env,
    });
    expect(waiting.exitCode).toBe(3);
    const waitingId = (JSON.parse(waiting.stdout) as RunSummary).run_id;
    const stuck = execa(
      process.execPath,
      [`${PROJECT_ROOT}/dist/src/cli/haco.js`, 'logs', waitingId, '--follow'],
      {
        cwd: repo.root,
        env,
        reject: false,
        stdin: 'ignore',
      },
    );
    let stuckOut = '';
    stuck.stdout?.on('data', (chunk: Buffer) => (stuckOut += chunk.toString()));
    await vi.waitFor(() => expect(stuckOut).toContain('plan_approval'), { timeout: 20_000, interval: 50 });
    stuck.kill('SIGINT');
    expect((await stuck).exitCode).toBe(130);
  });

  it('haco-tui --resume RUN --config FILE continues a failed run on the dashboard', async () => {
    const agent = '#!/bin/sh\nif [ "$1" = --broken ]; then exit 3; fi\necho ok > out.txt\n';
    const repo = makeRepo({
      files: {
        'agent.sh': agent,
        'cfg.yaml':
          'agents:\n  a: { type: command, command: ./agent.sh, args: [--broken] }\ndefaults: { agent: a }\n',
        'fixed.yaml': 'agents:\n  a: { type: command, command: ./agent.sh }\ndefaults: { agent: a }\n',
        'plan.yaml': 'version: 1\ngoal: g\ntasks:\n  - { id: t, files: [out.txt], prompt: p }\n',
      },
      executables: ['agent.sh'],
    });
    repos.push(repo);
    const env = { HOME: repo.home };
    const first = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--json'], {
      cwd: repo.root,
      env,
    });
    expect(first.exitCode).toBe(1);
    const runId = (JSON.parse(first.stdout) as RunSummary).run_id;

    const session = startTui(repo, ['--resume', runId, '--config', 'fixed.yaml']);
    try {
      const screen = await screenUntil(
        session,
        (s) => s.includes('run completed'),
        '"run completed"',
        60_000,
      );
      expect(screen).toContain('1/1 done');
      session.write('q');
      expect((await session.exited).exitCode).toBe(0);
    } finally {
      if (!session.isExited) await session.kill(200);
      session.dispose();
    }
    expect(readFileSync(join(repo.root, 'out.txt'), 'utf8')).toBe('ok\n');
  });
});
