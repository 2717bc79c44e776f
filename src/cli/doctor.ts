import { execFile } from 'node:child_process';

import { adapterFor } from '../../agents/registry.js';
import type { AgentConfig, Config } from '../config/schema.js';
import { programProblem } from '../plan/agents-check.js';
import { minimalEnv } from '../sessions/child-env.js';
import { findPerl } from '../sessions/exit-wrapper.js';

/** Longest wait for `<command> --version`, ms (a Node CLI such as claude starts in about a second). */
export const VERSION_TIMEOUT_MS = 5000;
/** Longest wait for an agent's endpoint to answer, ms. */
export const ENDPOINT_TIMEOUT_MS = 2000;
/** The oldest Node haco supports (package.json `engines`). */
export const MIN_NODE: readonly [number, number] = [20, 19];

/**
 * Whether an agent's endpoint answered: `url` is what was asked, `status` the HTTP status of any
 * answer (a 404 or 401 still proves the server is there), `error` why there was none.
 */
export type EndpointCheck =
  | { readonly url: string; readonly ok: true; readonly status: number }
  | { readonly url: string; readonly ok: false; readonly error: string };

/** One configured agent, as `haco doctor` sees it. */
export interface AgentDoctor {
  readonly name: string;
  readonly type: string;
  /** The program its attempts start (config `command` or the type's default). */
  readonly command: string;
  readonly found: boolean;
  /** Why it cannot be started (`not found on PATH`), when `found` is false. */
  readonly problem?: string;
  /** How to install the type's program, when `found` is false and the type has one. */
  readonly install?: string;
  /** First line `<command> --version` printed, or null when it failed (see `version_error`). */
  readonly version: string | null;
  readonly version_error?: string;
  /** null when neither the config nor the agent's environment names an endpoint ("not checked"). */
  readonly endpoint: EndpointCheck | null;
}

/** `haco doctor --json`: one object; `ok` is false when a required check failed. */
export interface DoctorReport {
  readonly ok: boolean;
  readonly agents: readonly AgentDoctor[];
  readonly git: { readonly found: boolean; readonly version: string | null };
  readonly node: { readonly version: string; readonly ok: boolean; readonly required: string };
  /** Perl runs the exit wrapper (src/sessions/exit-wrapper.ts); without it exits are read from the pty. */
  readonly perl: { readonly found: boolean; readonly path: string | null };
  readonly terminal: {
    readonly tty: boolean;
    readonly columns: number | null;
    readonly rows: number | null;
    readonly term: string | null;
  };
}

/** What {@link runDoctor} looks at; tests pass their own PATH and terminal. */
export interface DoctorInput {
  readonly config: Config;
  /** Where agents run: relative commands resolve here. */
  readonly repoRoot: string;
  /** haco's PATH (agents get it unless their `env` sets one). Default: process.env.PATH. */
  readonly path?: string;
  readonly terminal?: DoctorReport['terminal'];
}

/**
 * Runs `command args` with `env` and a timeout; resolves to its first output line, or rejects with
 * one line saying why (exit code, timeout, spawn error).
 */
function firstLine(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      command,
      [...args],
      { env, cwd, timeout: VERSION_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) {
          const why = error.killed
            ? `no answer within ${VERSION_TIMEOUT_MS / 1000} s`
            : typeof error.code === 'number'
              ? `exit code ${error.code}${stderr.trim() ? `: ${stderr.trim().split('\n')[0]}` : ''}`
              : error.message.split('\n')[0];
          reject(new Error(why));
          return;
        }
        const line = `${stdout}\n${stderr}`.split('\n').find((l) => l.trim() !== '');
        resolvePromise(line?.trim() ?? '');
      },
    );
  });
}

/**
 * The endpoint an agent talks to, if its configuration says: a `base_url` key of its config, else
 * the first variable of its environment (config `env`, then what it inherits) whose name ends in
 * `_BASE_URL` (e.g. ANTHROPIC_BASE_URL). The core names no agent type here.
 */
export function agentEndpoint(agent: AgentConfig, env: Readonly<Record<string, string>>): string | undefined {
  const own = (agent as { base_url?: unknown }).base_url;
  if (typeof own === 'string' && own) return own;
  const name = Object.keys(env)
    .filter((k) => k.endsWith('_BASE_URL') && env[k])
    .sort()[0];
  return name === undefined ? undefined : env[name];
}

/** Asks `url` with a HEAD request and a {@link ENDPOINT_TIMEOUT_MS} timeout; any HTTP answer is ok. */
export async function checkEndpoint(url: string): Promise<EndpointCheck> {
  try {
    const response = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(ENDPOINT_TIMEOUT_MS) });
    return { url, ok: true, status: response.status };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === 'TimeoutError'
        ? `no answer within ${ENDPOINT_TIMEOUT_MS / 1000} s`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { url, ok: false, error: why };
  }
}

async function checkAgent(
  name: string,
  agent: AgentConfig,
  repoRoot: string,
  path: string,
): Promise<AgentDoctor> {
  const adapter = adapterFor(agent);
  if (!adapter.program) {
    // A draft agent starts no process: its own check (its model on its server) says if it can work.
    const problem = adapter.completion.kind === 'draft' ? await adapter.completion.check(agent) : undefined;
    return {
      name,
      type: agent.type,
      command: '(no process)',
      found: problem === undefined,
      ...(problem === undefined ? {} : { problem }),
      version: null,
      endpoint: null,
    };
  }
  const { program } = adapter;
  const command = program.command(agent);
  const env = minimalEnv([...adapter.envPassthrough, ...(agent.env_passthrough ?? [])], agent.env ?? {});
  if (agent.env?.PATH === undefined) env.PATH = path;
  const problem = programProblem(command, repoRoot, env.PATH);
  const url = agentEndpoint(agent, env);
  const endpoint = url === undefined ? null : await checkEndpoint(url);
  if (problem !== undefined) {
    return {
      name,
      type: agent.type,
      command,
      found: false,
      problem,
      ...(program.install ? { install: program.install } : {}),
      version: null,
      endpoint,
    };
  }
  try {
    const version = await firstLine(command, ['--version'], env, repoRoot);
    return { name, type: agent.type, command, found: true, version, endpoint };
  } catch (error) {
    return {
      name,
      type: agent.type,
      command,
      found: true,
      version: null,
      version_error: (error as Error).message,
      endpoint,
    };
  }
}

/** Whether `version` (`20.19.1`) is at least `min` (major, minor). */
export function nodeVersionOk(version: string, min: readonly [number, number] = MIN_NODE): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

/**
 * Checks what haco needs, read-only (writes nothing, never creates `.haco/`): every configured
 * agent (program found, `--version`, endpoint), git, Node ≥ 20.19, Perl and the terminal.
 * Required: each agent's program found and its endpoint (when one is named) answering, git, Node.
 * A version that cannot be read, Perl and the terminal are reported only.
 */
export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const path = input.path ?? process.env.PATH ?? '';
  const agents = await Promise.all(
    Object.entries(input.config.agents).map(([name, agent]) => checkAgent(name, agent, input.repoRoot, path)),
  );
  const baseEnv = { ...minimalEnv(), PATH: path };
  const gitVersion = await firstLine('git', ['--version'], baseEnv, input.repoRoot).catch(() => null);
  const nodeVersion = process.versions.node;
  const perl = findPerl();
  const node = { version: nodeVersion, ok: nodeVersionOk(nodeVersion), required: `>= ${MIN_NODE.join('.')}` };
  const git = { found: gitVersion !== null, version: gitVersion };
  const terminal = input.terminal ?? {
    tty: process.stdout.isTTY === true,
    columns: process.stdout.isTTY ? process.stdout.columns : null,
    rows: process.stdout.isTTY ? process.stdout.rows : null,
    term: process.env.TERM ?? null,
  };
  const ok = agents.every((a) => a.found && (a.endpoint === null || a.endpoint.ok)) && git.found && node.ok;
  return { ok, agents, git, node, perl: { found: perl !== null, path: perl }, terminal };
}

/**
 * One line per check, `✔`/`✘` first (`!` for a problem that is reported only, `-` for a check not
 * made).
 */
export function formatDoctor(report: DoctorReport): string[] {
  const lines: string[] = [];
  for (const a of report.agents) {
    const head = `agent ${a.name} (${a.type})`;
    if (!a.found) {
      const fix = a.install ? `; install it with ${a.install}, or set agents.${a.name}.command` : '';
      lines.push(`✘ ${head}: \`${a.command}\` ${a.problem ?? 'not found'}${fix}`);
    } else {
      lines.push(
        a.version !== null
          ? `✔ ${head}: ${a.command} ${a.version}`
          : `! ${head}: ${a.command} found, but \`--version\` failed: ${a.version_error ?? ''}`,
      );
    }
    if (a.endpoint === null) lines.push(`- ${head} endpoint: not checked (none configured)`);
    else if (a.endpoint.ok)
      lines.push(`✔ ${head} endpoint ${a.endpoint.url} answers (HTTP ${a.endpoint.status})`);
    else lines.push(`✘ ${head} endpoint ${a.endpoint.url} does not answer: ${a.endpoint.error}`);
  }
  lines.push(report.git.found ? `✔ git: ${report.git.version ?? ''}` : '✘ git: not found on PATH');
  lines.push(
    `${report.node.ok ? '✔' : '✘'} node ${report.node.version}${report.node.ok ? '' : ` (haco needs ${report.node.required})`}`,
  );
  lines.push(
    report.perl.found
      ? `✔ perl: ${report.perl.path ?? ''}`
      : '! perl: not found (agent exits are read from the pty without the exit wrapper)',
  );
  const t = report.terminal;
  lines.push(
    t.tty
      ? `✔ terminal: ${t.columns ?? '?'}×${t.rows ?? '?'}, TERM=${t.term ?? 'unset'}`
      : `! terminal: not a TTY (haco-tui needs one; haco works headless), TERM=${t.term ?? 'unset'}`,
  );
  return lines;
}
