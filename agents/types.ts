import type { z } from 'zod';

import type { AgentConfigBase } from '../src/config/agent-fields.js';
import type { TokenUsage } from '../src/orchestrator/usage.js';
import type { TaskSpec } from '../src/plan/schema.js';

/** What the core tells an adapter about the attempt it launches. */
export interface LaunchContext {
  /** Absolute path of the repository root; the agent runs there. */
  readonly repoRoot: string;
  readonly runId: string;
  /** 1-based attempt number. */
  readonly attempt: number;
  /**
   * The prompt haco built: the full task prompt (task, owned files, acceptance, previous failure),
   * or, when {@link resume} is set, a short "you were interrupted, continue" message.
   */
  readonly prompt: string;
  /** Absolute path of a file holding `prompt`. */
  readonly promptFile: string;
  /** Absolute path of a file holding the task as JSON. */
  readonly taskFile: string;
  /**
   * Absolute path of the attempt's own directory (prompt, transcript, the stdin FIFO live there):
   * `.haco/runs/<run>/<task>/attempt-<n>`, so its parent is the task's directory, shared by the
   * task's attempts (where an agent keeps state a resumed session needs, e.g. codex's home).
   */
  readonly attemptDir: string;
  /**
   * Set when this attempt continues the agent's own session of an interrupted attempt (only for an
   * adapter with {@link AgentAdapter.canResume}): `sessionId` is the id the adapter reported in
   * its `session` signal. The adapter launches the agent so that it resumes that session with
   * {@link prompt}.
   */
  readonly resume?: { readonly sessionId: string };
  /**
   * Absolute path of the ask channel's Unix socket (src/orchestrator/ask-server.ts), for agents
   * whose completion has an {@link AskProtocol}: their hook asks haco there before each tool.
   */
  readonly askSocket?: string;
  /**
   * The run's `permissions.outside_write`: whether a write outside the task's files is refused at
   * once or put to the user (an adapter that also has the agent's own rules refuse such writes
   * must relax them for `breakpoint`, or an approved write would still fail). Default `deny`.
   */
  readonly outsideWrite?: 'deny' | 'breakpoint';
}

/** A process to start in a pty. */
export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  /**
   * Set over the agent's minimal environment: the basics (src/sessions/child-env.ts BASE_ENV), the
   * adapter's {@link AgentAdapter.envPassthrough} and the config's `env_passthrough`.
   */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * What a tool would do, as the adapter reads it from the agent's own tool names and inputs; the
 * core's permission policy decides on this, never on agent-specific tool names.
 */
export type PermissionAction =
  /** Creates or changes files; `paths` as the agent gave them (absolute, or relative to the repo root). */
  | { readonly kind: 'write'; readonly paths: readonly string[] }
  /** Only reads the repository or the agent's own bookkeeping. */
  | { readonly kind: 'read' }
  /** Runs a shell command line. */
  | { readonly kind: 'shell'; readonly command: string }
  /** Anything else (network, sub-agents, unknown tools): the user decides. */
  | { readonly kind: 'other' };

/** A tool approval an agent asks for before it acts (e.g. Claude Code's `can_use_tool`). */
export interface PermissionRequest {
  /** The agent's id for this request, echoed in the answer. */
  readonly requestId: string;
  /** Tool name as the agent calls it: `Write`, `Edit`, `Bash`, … */
  readonly tool: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly action: PermissionAction;
}

/** haco's answer to a {@link PermissionRequest}. */
export type PermissionDecision =
  | { readonly behavior: 'allow' }
  | { readonly behavior: 'deny'; /** Shown to the model. */ readonly message: string };

/** Something an adapter read in the agent's output. */
export type AgentSignal =
  /** The agent asks before using a tool; the core answers through `answerPermission`. */
  | { readonly type: 'permission'; readonly request: PermissionRequest }
  /** The agent's own session id (for resume). */
  | { readonly type: 'session'; readonly sessionId: string }
  /** Text for the worker's pane. */
  | { readonly type: 'display'; readonly text: string }
  /** The agent says it is finished; `ok` false when it reports an error. */
  | {
      readonly type: 'done';
      readonly ok: boolean;
      /** USD. */
      readonly costUsd?: number;
      /** Tokens of the attempt, normalised by the adapter (absent when the agent reports none). */
      readonly usage?: TokenUsage;
      readonly message?: string;
    };

/**
 * An agent that reads protocol lines on stdin instead of keystrokes. The core gives it a FIFO as
 * stdin (its stdout stays the pty), writes `initialInput` first, answers each `permission` signal
 * with `answerPermission`, and closes stdin once the agent reports `done`: the agent exits at EOF.
 */
export interface StdinProtocol {
  /**
   * File name of the FIFO the core makes in the attempt's directory ({@link LaunchContext.attemptDir})
   * as the agent's stdin, e.g. `stdin.fifo`: one of the adapter's own temporary files.
   */
  readonly fifo: string;
  /** Lines written first (each without its newline), e.g. the prompt as a user message. */
  initialInput(task: TaskSpec, ctx: LaunchContext): string[];
  /** The line (without its newline) that answers `request`. */
  answerPermission(request: PermissionRequest, decision: PermissionDecision): string;
  /** One line for the worker's pane saying what was asked and answered. */
  describePermission(request: PermissionRequest, decision: PermissionDecision): string;
}

/**
 * An agent whose own hook asks haco before each tool through the ask channel (a Unix socket,
 * protocol in src/orchestrator/ask-server.ts), because its CLI has no stdio permission protocol:
 * codex's PreToolUse command hook, an opencode plugin. The core listens before the launch and
 * passes the socket as {@link LaunchContext.askSocket}; each request is decided by the same
 * permission policy as Claude Code's, breakpoints included (the hook waits for the answer).
 */
export interface AskProtocol {
  /**
   * Reads one request the hook sent (a parsed JSON value, the shape the adapter's hook writes)
   * into a permission request; undefined when it is not one (the tool is then refused).
   */
  readRequest(message: unknown): PermissionRequest | undefined;
  /** One line for the worker's pane saying what was asked and answered. */
  describePermission(request: PermissionRequest, decision: PermissionDecision): string;
}

/** Which executable an agent type runs, and how a user gets it. */
export interface AgentProgram<C extends AgentConfigBase = AgentConfigBase> {
  /**
   * The command `launch` starts for this config: a name looked up on PATH, or a path (relative
   * to the repository root when relative), e.g. the config's `command` or the type's default.
   */
  command(config: C): string;
  /** How to install the type's default executable (`npm i -g …`); absent for `command` agents. */
  readonly install?: string;
}

/** One file of a draft as the adapter read it from the model's reply (paths repo-relative, as written). */
export type DraftChange =
  /** A unified diff of one file (`diff` package patch text, `--- a/x` / `+++ b/x` headers; new files from `/dev/null`). */
  | { readonly kind: 'patch'; readonly path: string; readonly patch: string }
  /** The whole new content of one file. */
  | { readonly kind: 'file'; readonly path: string; readonly content: string };

/** A task file's current content as a draft agent's prompt shows it. */
export interface DraftSource {
  /** Repo-relative path. */
  readonly path: string;
  readonly content: string;
}

/** What the core gives a process-less (draft) agent for one attempt. */
export interface DraftIO {
  /** Shows text in the worker's pane (the model's tokens as they stream); `\n` starts a new line. */
  display(text: string): void;
  /** Aborted when the core ends the attempt (timeout, interrupt): stop streaming. */
  readonly signal: AbortSignal;
  /** The task's files that exist now, with their content (globs expanded), in path order. */
  readOwnedFiles(): DraftSource[];
  /**
   * Applies a draft inside the task's files, all or nothing: every change is checked (owned path,
   * repo-relative, no symlink on the way, the hunks apply) before anything is written.
   * @returns undefined when written, else the exact refusal (one line); nothing was written then
   */
  apply(changes: readonly DraftChange[]): string | undefined;
}

/** How a draft agent's attempt ended. `usage` counts every request of the attempt. */
export type DraftResult =
  | { readonly ok: true; readonly usage?: TokenUsage }
  | {
      readonly ok: false;
      /** One line: why (a refused draft names the refusal). */ readonly message: string;
      readonly usage?: TokenUsage;
    };

/**
 * How the core learns that an attempt's agent is finished.
 * - `exit`: the process exit code says done (0) or failed.
 * - `protocol`: `parseLine` reads each output line and emits signals; a `done` signal ends the
 *   attempt and the core then lets the process exit (or ends it). With `stdin` the agent reads
 *   protocol lines (prompt, permission answers) on a FIFO instead of the terminal. With `ask` the
 *   agent's hook asks before each tool on the ask channel (see {@link AskProtocol}).
 * - `draft`: no process. `run` asks a model for a draft (streaming into the pane through `io`) and
 *   hands it to `io.apply`: haco writes it itself, only inside the task's files (least privilege).
 *   `check` says before a run whether the agent can answer (e.g. its model exists).
 */
export type Completion<C extends AgentConfigBase = AgentConfigBase> =
  | { readonly kind: 'exit' }
  | {
      readonly kind: 'draft';
      run(config: C, task: TaskSpec, ctx: LaunchContext, io: DraftIO): Promise<DraftResult>;
      /**
       * Why this agent cannot work now (one line naming the model and what the server has), or
       * undefined when it can. Never throws.
       */
      check(config: C): Promise<string | undefined>;
    }
  | {
      readonly kind: 'protocol';
      /** Reads one output line (ANSI and `\r` may remain; the adapter strips what it must). */
      parseLine(line: string): AgentSignal[];
      readonly stdin?: StdinProtocol;
      readonly ask?: AskProtocol;
    };

/**
 * One agent type: data plus pure functions. The core does the spawning; an adapter only says what
 * to run and how to read what it prints. Adding an agent type is one `agents/<type>.ts` exporting
 * an adapter plus one line in agents/registry.ts; the core names no agent type.
 */
export interface AgentAdapter<C extends AgentConfigBase = AgentConfigBase> {
  readonly type: C['type'];
  /**
   * The type's config schema (zod 4 strict object with `type: z.literal(<type>)`, spreading
   * `CommonAgentFields` from src/config/agent-fields.ts); the config's agent union is built from
   * these (src/config/schema.ts).
   */
  readonly configSchema: z.ZodType<C>;
  /** A small config of this type the schema accepts (docs, `haco init`, tests). */
  readonly example: C;
  /** How the core learns the agent is finished (see {@link Completion}). */
  readonly completion: Completion<C>;
  /**
   * Variables of haco's environment this agent type needs besides the basics (names, or
   * `PREFIX_*`): its own settings, credentials and proxies. Nothing else of haco's environment
   * reaches the agent; a config adds more with the agent's `env_passthrough`.
   */
  readonly envPassthrough: readonly string[];
  /**
   * The program an attempt of this type starts, so the core can refuse a plan whose agent cannot
   * be found or run before anything starts (src/plan/agents-check.ts). Absent for a `draft`
   * agent, which starts no process.
   */
  readonly program?: AgentProgram<C>;
  /**
   * True when `launch` honours {@link LaunchContext.resume}: an interrupted attempt's session (the
   * id of its `session` signal) can be continued by the next attempt. Absent: false, the next
   * attempt starts from nothing with the full prompt.
   */
  readonly canResume?: boolean;
  /** Builds the command line for one attempt (absent for a `draft` agent: no process). */
  launch?(config: C, task: TaskSpec, ctx: LaunchContext): LaunchSpec;
}
