import type { AgentConfig } from '../src/config/schema.js';
import type { TaskSpec } from '../src/plan/schema.js';

/** What the core tells an adapter about the attempt it launches. */
export interface LaunchContext {
  /** Absolute path of the repository root; the agent runs there. */
  readonly repoRoot: string;
  readonly runId: string;
  /** 1-based attempt number. */
  readonly attempt: number;
  /** The full prompt haco built (task prompt, owned files, acceptance, previous failure). */
  readonly prompt: string;
  /** Absolute path of a file holding `prompt`. */
  readonly promptFile: string;
  /** Absolute path of a file holding the task as JSON. */
  readonly taskFile: string;
}

/** A process to start in a pty. */
export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the parent environment. */
  readonly env: Readonly<Record<string, string>>;
}

/** Something an adapter read in the agent's output. */
export type AgentSignal =
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
      readonly usage?: unknown;
      readonly message?: string;
    };

/**
 * One agent type: data plus pure functions. The core does the spawning; an adapter only says what
 * to run and how to read what it prints.
 */
export interface AgentAdapter<C extends AgentConfig = AgentConfig> {
  readonly type: C['type'];
  /**
   * `exit`: the process exit code says done (0) or failed. `protocol`: the adapter reads lines and
   * emits a `done` signal; the core then lets the process exit (or ends it).
   */
  readonly completion: 'exit' | 'protocol';
  /** Builds the command line for one attempt. */
  launch(config: C, task: TaskSpec, ctx: LaunchContext): LaunchSpec;
  /** Reads one output line (only for `protocol` adapters). */
  parseLine?(line: string): AgentSignal[];
}
