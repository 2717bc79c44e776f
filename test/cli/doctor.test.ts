import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { describe, expect, it, type TestContext } from 'vitest';

import { formatDoctor, nodeVersionOk, type DoctorReport } from '../../src/cli/doctor.js';
import { CLAUDE_BIN } from '../helpers/claude.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

/** A local HTTP server that counts the requests it answers (any path, 204). */
async function startEndpoint(context: TestContext): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server: Server = createServer((_req, res) => {
    requests++;
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  context.onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

/** A URL on which nothing listens (a port that was just released). */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function setUp(context: TestContext, config: string): TempRepo {
  const repo = makeRepo({
    files: {
      'README.md': '# demo\n',
      'fake-agent.sh': '#!/bin/sh\necho "fake-agent 1.2.3 (test)"\n',
      'haco-config.yaml': config,
    },
    executables: ['fake-agent.sh'],
  });
  context.onTestFinished(() => repo.dispose());
  return repo;
}

describe('haco doctor', () => {
  it('reports each agent found with its version and endpoint, git, node; exit 0; writes nothing', async (context) => {
    const endpoint = await startEndpoint(context);
    const repo = setUp(
      context,
      [
        'agents:',
        '  fake: {type: command, command: ./fake-agent.sh}',
        `  claude: {type: claude-code, command: ${JSON.stringify(CLAUDE_BIN)}, env: {ANTHROPIC_BASE_URL: "${endpoint.url}", DISABLE_AUTOUPDATER: "1"}}`,
        'defaults: {agent: fake}',
        '',
      ].join('\n'),
    );
    const result = await runHaco(['doctor', '--json', '--config', 'haco-config.yaml'], {
      cwd: repo.root,
      env: { HOME: repo.home },
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    const fake = report.agents.find((a) => a.name === 'fake');
    expect(fake).toMatchObject({
      type: 'command',
      found: true,
      version: 'fake-agent 1.2.3 (test)',
      endpoint: null,
    });
    const claude = report.agents.find((a) => a.name === 'claude');
    // The real pinned CLI (@anthropic-ai/claude-code 2.1.112) prints `2.1.112 (Claude Code)`.
    expect(claude?.found).toBe(true);
    expect(claude?.version).toContain('2.1.112');
    expect(claude?.endpoint).toEqual({ url: endpoint.url, ok: true, status: 204 });
    expect(endpoint.requests()).toBe(1);
    expect(report.git.found).toBe(true);
    expect(report.git.version).toMatch(/^git version /);
    expect(report.node).toMatchObject({ version: process.versions.node, ok: true });
    expect(report.terminal.tty).toBe(false);
    // Read-only: no state directory, nothing changed in the repository.
    expect(existsSync(join(repo.root, '.haco'))).toBe(false);
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('fails (exit 1) with one ✘ line for a missing agent and for an endpoint that does not answer', async (context) => {
    const dead = await deadUrl();
    const repo = setUp(
      context,
      [
        'agents:',
        '  gone: {type: command, command: ./no-such-agent.sh}',
        '  fake: {type: command, command: ./fake-agent.sh, env: {MY_API_BASE_URL: "' + dead + '"}}',
        '  claude: {type: claude-code, command: no-such-claude-binary}',
        'defaults: {agent: fake}',
        '',
      ].join('\n'),
    );
    const result = await runHaco(['doctor', '--config', 'haco-config.yaml'], {
      cwd: repo.root,
      env: { HOME: repo.home },
    });
    expect(result.exitCode).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines).toContain(
      '✘ agent gone (command): `./no-such-agent.sh` not found (relative to the repository root)',
    );
    expect(lines).toContain(
      '✘ agent claude (claude-code): `no-such-claude-binary` not found on PATH; install it with npm i -g @anthropic-ai/claude-code, or set agents.claude.command',
    );
    expect(lines).toContain('✔ agent fake (command): ./fake-agent.sh fake-agent 1.2.3 (test)');
    expect(
      lines.find((l) => l.startsWith(`✘ agent fake (command) endpoint ${dead} does not answer`)),
    ).toBeDefined();
    expect(lines.find((l) => l.startsWith('✔ git: git version'))).toBeDefined();
    expect(lines.find((l) => l.startsWith(`✔ node ${process.versions.node}`))).toBeDefined();
    expect(lines.find((l) => l.startsWith('! terminal: not a TTY'))).toBeDefined();
    expect(existsSync(join(repo.root, '.haco'))).toBe(false);
  });

  it('a bad config is one line and exit 2', async (context) => {
    const repo = setUp(context, 'agents:\n  x: {type: nope}\n');
    const result = await runHaco(['doctor', '--config', 'haco-config.yaml'], {
      cwd: repo.root,
      env: { HOME: repo.home },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('unknown agent type "nope"');
  });
});

describe('doctor checks', () => {
  it('node must be at least 20.19', () => {
    expect(nodeVersionOk('20.19.0')).toBe(true);
    expect(nodeVersionOk('20.20.1')).toBe(true);
    expect(nodeVersionOk('22.1.0')).toBe(true);
    expect(nodeVersionOk('20.18.3')).toBe(false);
    expect(nodeVersionOk('18.20.0')).toBe(false);
  });

  it('formats a TTY terminal and a missing git', () => {
    const report: DoctorReport = {
      ok: false,
      agents: [],
      git: { found: false, version: null },
      node: { version: '20.18.0', ok: false, required: '>= 20.19' },
      perl: { found: false, path: null },
      terminal: { tty: true, columns: 120, rows: 40, term: 'xterm-256color' },
    };
    expect(formatDoctor(report)).toEqual([
      '✘ git: not found on PATH',
      '✘ node 20.18.0 (haco needs >= 20.19)',
      '! perl: not found (agent exits are read from the pty without the exit wrapper)',
      '✔ terminal: 120×40, TERM=xterm-256color',
    ]);
  });
});
