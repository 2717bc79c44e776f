import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import { targetOf } from '../../agents/ollama.js';
import type { Config } from '../config/schema.js';
import { recordDelegateCall } from '../db/delegate-calls.js';
import { formatDuration } from '../lib/duration.js';
import { packageRoot } from '../lib/package-root.js';
import type { TaskGrants } from '../ownership/permission-policy.js';
import type { TaskSpec } from '../plan/schema.js';
import type { RunRecorder } from './recorder.js';
import { formatTokens } from './usage.js';

/**
 * The variable naming the file `haco worker` appends one JSON line to per call (a
 * {@link DelegateLogLine}); the core sets it for each attempt of a task with `delegate:`.
 */
export const DELEGATE_LOG_ENV = 'HACO_DELEGATE_LOG';

/** Name of the per-attempt delegate log, in the attempt's directory. */
export const DELEGATE_LOG_FILE = 'delegate-calls.jsonl';

/** One line of the delegate log, as `haco worker` writes it (src/cli/worker-command.ts). */
export interface DelegateLogLine {
  readonly ok: boolean;
  readonly model: string;
  /** Size of the prompt, bytes (UTF-8). */
  readonly prompt_bytes: number;
  /** Wall time of the model request, ms. */
  readonly duration_ms: number;
  readonly tokens: { readonly input: number; readonly output: number };
  readonly error: string | null;
}

/** How a task's agent reaches the local worker (the hybrid loop). */
export interface DelegateSetup {
  /** The `ollama` agent named by the task's `delegate:`. */
  readonly agent: string;
  readonly model: string;
  readonly host: string;
  /**
   * Absolute path of the file the agent writes each draft request to: one per task (so a resumed
   * or retried attempt uses the same command), under `.haco/runs/RUN/TASK/`.
   */
  readonly promptFile: string;
  /**
   * The exact command line the agent runs, and the one extra `bash_allow` entry of this task:
   * haco's node binary and built CLI by absolute path (the agent's minimal environment has no
   * `haco` on PATH), `worker --json --model M --host URL --prompt-file FILE`. It holds no shell
   * control character, so {@link shellCommandAllowed} can match it exactly.
   */
  readonly command: string;
}

/** A word for a POSIX shell line: as is when it needs no quoting, else in single quotes. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Path of haco's built CLI (`dist/src/cli/haco.js` in haco's package; package.json `bin.haco`). */
export function hacoCliPath(): string {
  return join(packageRoot(), 'dist', 'src', 'cli', 'haco.js');
}

/**
 * The delegate setup of a task in a run; undefined when the task has no `delegate:` or it names
 * no `ollama` agent of `config` (the plan validator refuses that, see src/plan/validate.ts).
 */
export function delegateSetup(
  config: Config,
  repoRoot: string,
  runId: string,
  task: Pick<TaskSpec, 'id' | 'delegate'>,
): DelegateSetup | undefined {
  if (task.delegate === undefined) return undefined;
  const agent = config.agents[task.delegate];
  if (agent?.type !== 'ollama') return undefined;
  const { model, host } = targetOf(agent);
  const promptFile = join(repoRoot, '.haco', 'runs', runId, task.id, 'delegate-prompt.md');
  const words = [process.execPath, hacoCliPath(), 'worker', '--json', '--model', model];
  words.push('--host', host, '--prompt-file', promptFile);
  return { agent: task.delegate, model, host, promptFile, command: words.map(shellWord).join(' ') };
}

/**
 * What a task with `delegate:` may do beyond the run's permissions: run exactly its
 * {@link DelegateSetup.command} and write its request file; `{}` for any other task.
 * @param config the run's live config (the stored copy is redacted, its hosts may read `[redacted]`)
 */
export function delegateGrants(
  config: Config,
  repoRoot: string,
  runId: string,
  task: Pick<TaskSpec, 'id' | 'delegate'>,
): TaskGrants {
  const setup = delegateSetup(config, repoRoot, runId, task);
  if (!setup) return {};
  return {
    bashAllow: [setup.command],
    scratch: [relative(repoRoot, setup.promptFile).split(sep).join('/')],
  };
}

/**
 * The protocol section of the task prompt (wording of the supervisor rules, src/init/templates.ts):
 * delegate drafts of more than ~20 lines with the exact command, treat them as untrusted, integrate
 * only into owned files, verify.
 */
export function delegateProtocol(setup: DelegateSetup): string {
  return [
    '## Delegate drafts to the local worker',
    `A local model (${setup.model}, the worker) drafts code for you at no cost; it never writes to disk.`,
    'Any new code or rewrite of more than ~20 lines is drafted by the worker, not typed by you:',
    `1. Write the request (context, target file, signatures, requirements, output format) to ${setup.promptFile}`,
    '2. Run exactly this command (it is allowed without asking; any other form needs approval):',
    `   ${setup.command}`,
    '   It prints one JSON object: {ok, output, error, model, duration_ms, tokens}; the draft is `output`.',
    '3. Review every draft as untrusted: it may be wrong, incomplete, touch other files or hide unsafe code.',
    '4. Integrate only what you accept, only into the files you own, yourself; then verify.',
    'If the command fails (ok false), write the draft yourself. Small edits (~20 lines or fewer) are yours.',
    '',
  ].join('\n');
}

/**
 * Reads an attempt's delegate log: the calls `haco worker` reported, in order; a line that is not
 * a {@link DelegateLogLine} is counted in `unreadable`. A missing file holds no calls.
 */
export function readDelegateLog(file: string): { calls: DelegateLogLine[]; unreadable: number } {
  if (!existsSync(file)) return { calls: [], unreadable: 0 };
  const calls: DelegateLogLine[] = [];
  let unreadable = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const v = JSON.parse(line) as Partial<DelegateLogLine>;
      const n = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
      if (
        typeof v.ok === 'boolean' &&
        typeof v.model === 'string' &&
        n(v.prompt_bytes) &&
        n(v.duration_ms) &&
        n(v.tokens?.input) &&
        n(v.tokens.output)
      )
        calls.push({ ...(v as DelegateLogLine), error: typeof v.error === 'string' ? v.error : null });
      else unreadable++;
    } catch {
      unreadable++; // a line cut short (the worker was killed mid-write) is counted, not fatal
    }
  }
  return { calls, unreadable };
}

/**
 * Stores the calls of an attempt's delegate log in `delegate_calls`, then writes one run-log line
 * per call (`haco logs`): `delegated a draft to MODEL: ok, 812 B prompt, 1.2k in / 340 out tok, 2s`.
 */
export function recordDelegateLog(
  rec: RunRecorder,
  runId: string,
  taskId: string,
  attempt: number,
  file: string,
): void {
  const { calls, unreadable } = readDelegateLog(file);
  for (const c of calls) {
    recordDelegateCall(rec.db, {
      runId,
      taskId,
      attempt,
      model: c.model,
      ok: c.ok,
      promptBytes: c.prompt_bytes,
      inputTokens: c.tokens.input,
      outputTokens: c.tokens.output,
      durationMs: c.duration_ms,
      error: c.error,
      now: rec.now(),
    });
  }
  for (const c of calls) {
    const how = c.ok ? 'ok' : `failed (${c.error ?? 'error'})`;
    rec.log(
      runId,
      taskId,
      `delegated a draft to ${c.model}: ${how}, ${c.prompt_bytes} B prompt, ${formatTokens(c.tokens.input)} in / ${formatTokens(c.tokens.output)} out tok, ${formatDuration(c.duration_ms)}`,
    );
  }
  if (unreadable) rec.log(runId, taskId, `delegate log: ${unreadable} unreadable line(s) in ${file}`);
}
