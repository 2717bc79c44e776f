import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { text as readStream } from 'node:stream/consumers';

import type { Command } from 'commander';

import {
  DEFAULT_OLLAMA_HOST,
  chatOnce,
  checkModel,
  targetOf,
  type OllamaAgentConfig,
  type OllamaTarget,
} from '../../agents/ollama.js';
import { extractArtifact } from '../../agents/ollama-reply.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ExitCode, HacoError, UsageError } from '../lib/errors.js';
import { DELEGATE_LOG_ENV, type DelegateLogLine } from '../orchestrator/delegate.js';
import { Workspace } from '../workspace/git.js';
import { runCommand } from './common.js';

/** `haco worker --json` output (README, "haco worker"): the original HACO bridge contract plus time and tokens. */
export interface WorkerResult {
  readonly ok: boolean;
  /** The artifact (see agents/ollama-reply.ts extractArtifact); empty when `ok` is false. */
  readonly output: string;
  /** One line; null when `ok`. */
  readonly error: string | null;
  readonly model: string;
  /** Wall time of the model request, ms (0 when none was sent). */
  readonly duration_ms: number;
  /** Ollama's `prompt_eval_count` / `eval_count`; zeros when no reply came. */
  readonly tokens: { readonly input: number; readonly output: number };
}

const SYSTEM = 'You are a code-drafting worker. Reply with only the artifact asked for: no explanation.';
const DIFF_SYSTEM =
  'You are a code-drafting worker. Reply with only a unified diff, git style (--- a/path, +++ b/path, @@ hunks; new files from --- /dev/null): no explanation.';

/**
 * The config's worker agent: `defaults.agent` when it is an `ollama` agent, else the first
 * `ollama` agent in the config; undefined when there is none.
 */
export function workerAgent(config: Config): OllamaAgentConfig | undefined {
  const name = config.defaults.agent;
  const preferred = name === undefined ? undefined : config.agents[name];
  if (preferred?.type === 'ollama') return preferred;
  return Object.values(config.agents).find((a): a is OllamaAgentConfig => a.type === 'ollama');
}

/**
 * The server and model `haco worker` uses: `--model`, else `HACO_WORKER_MODEL`, else the config's
 * worker agent's model; `--host`, else that agent's host, else `OLLAMA_HOST`, else Ollama's default.
 * The agent's `options` and `keep_alive` come along.
 * @throws UsageError when no model is named anywhere
 */
export function workerTarget(
  config: Config,
  flags: { model?: string; host?: string },
  env: NodeJS.ProcessEnv = process.env,
): OllamaTarget {
  const agent = workerAgent(config);
  const model = flags.model ?? (env.HACO_WORKER_MODEL || undefined) ?? agent?.model;
  if (model === undefined)
    throw new UsageError(
      'worker: no model; pass --model, set HACO_WORKER_MODEL or configure an agent of type ollama',
    );
  const base = agent ? targetOf(agent) : undefined;
  const host = flags.host ?? agent?.host ?? (env.OLLAMA_HOST || undefined) ?? DEFAULT_OLLAMA_HOST;
  return {
    host,
    model,
    ...(base?.options ? { options: base.options } : {}),
    ...(base?.keep_alive === undefined ? {} : { keep_alive: base.keep_alive }),
  };
}

function readPromptFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `worker: cannot read the prompt file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

/**
 * Inside a run (the hybrid loop) the core names a per-attempt log in `HACO_DELEGATE_LOG`; one
 * {@link DelegateLogLine} is appended per call, which the core stores on the attempt.
 */
function logDelegateCall(file: string | undefined, prompt: string, result: WorkerResult): void {
  if (!file) return;
  const line: DelegateLogLine = {
    ok: result.ok,
    model: result.model,
    prompt_bytes: Buffer.byteLength(prompt, 'utf8'),
    duration_ms: result.duration_ms,
    tokens: result.tokens,
    error: result.error,
  };
  appendFileSync(file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
}

async function readConfig(configFile: string | undefined): Promise<Config> {
  const repoRoot = await Workspace.open(process.cwd()).then(
    (w) => w.root,
    (error: unknown) => {
      if (error instanceof UsageError) return undefined; // not a repository: no repo layer
      throw error;
    },
  );
  return loadConfig({
    ...(repoRoot === undefined ? {} : { repoRoot }),
    ...(configFile === undefined ? {} : { configFile: resolve(configFile) }),
  }).config;
}

/**
 * Asks the model once and returns the artifact: the `--json` object and its exit code (0 done,
 * 1 the model failed or gave no usable artifact, 2 the model is missing).
 */
export async function runWorker(
  target: OllamaTarget,
  prompt: string,
  isDiff: boolean,
): Promise<{ result: WorkerResult; code: number }> {
  const failed = (
    error: string,
    code: number,
    extra: Partial<WorkerResult> = {},
  ): { result: WorkerResult; code: number } => ({
    result: {
      ok: false,
      output: '',
      error,
      model: target.model,
      duration_ms: 0,
      tokens: { input: 0, output: 0 },
      ...extra,
    },
    code,
  });
  const problem = await checkModel(target);
  if (problem)
    return failed(problem.message, problem.problem === 'missing' ? ExitCode.usage : ExitCode.failed);
  const started = Date.now();
  let reply;
  try {
    reply = await chatOnce(
      target,
      [
        { role: 'system', content: isDiff ? DIFF_SYSTEM : SYSTEM },
        { role: 'user', content: prompt },
      ],
      () => undefined,
    );
  } catch (error) {
    return failed(`model ${target.model} failed: ${(error as Error).message}`, ExitCode.failed, {
      duration_ms: Date.now() - started,
    });
  }
  const duration_ms = Date.now() - started;
  const tokens = { input: reply.usage.inputTokens, output: reply.usage.outputTokens };
  const output = extractArtifact(reply.text, isDiff);
  if (output === undefined)
    return failed('the reply holds no unified diff', ExitCode.failed, { duration_ms, tokens });
  if (output === '') return failed('the reply is empty', ExitCode.failed, { duration_ms, tokens });
  return {
    result: { ok: true, output, error: null, model: target.model, duration_ms, tokens },
    code: ExitCode.completed,
  };
}

/**
 * `haco worker [PROMPT] [--model M] [--host URL] [--diff] [--json] [--config FILE] [--prompt-file FILE]`:
 * the draft-only bridge of the original HACO spec (DESIGN.md, "CLI"). The prompt is the argument,
 * else `--prompt-file`, else stdin; with `HACO_DELEGATE_LOG` set, each call is logged there;
 * stdout gets only the artifact (or, with `--json`, one {@link WorkerResult}). Exit 0 done, 1 the
 * model failed, 2 usage or a missing model (the message lists the server's models).
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('ask the local model (Ollama) for a draft; prints only the artifact; writes nothing')
    .argument('[prompt]', 'the prompt (default: read stdin)')
    .option('--model <name>', "model (default: HACO_WORKER_MODEL, else the config's ollama agent)")
    .option(
      '--host <url>',
      "Ollama server (default: the ollama agent's host, else OLLAMA_HOST, else http://127.0.0.1:11434)",
    )
    .option('--diff', 'ask for a unified diff and print only the diff')
    .option(
      '--json',
      'print one JSON object: {ok, output, error, model, duration_ms, tokens: {input, output}}',
    )
    .option('--config <file>', 'config file')
    .option('--prompt-file <file>', 'read the prompt from FILE (the hybrid loop passes it this way)')
    .action(
      (
        promptArg: string | undefined,
        flags: {
          model?: string;
          host?: string;
          diff?: boolean;
          json?: boolean;
          config?: string;
          promptFile?: string;
        },
      ) =>
        runCommand(async () => {
          const config = await readConfig(flags.config);
          const target = workerTarget(config, flags);
          if (promptArg !== undefined && flags.promptFile !== undefined)
            throw new UsageError('worker: pass PROMPT or --prompt-file, not both');
          if (promptArg === undefined && flags.promptFile === undefined && process.stdin.isTTY)
            throw new UsageError('worker: no prompt; pass PROMPT, --prompt-file FILE or pipe it on stdin');
          const raw =
            flags.promptFile !== undefined
              ? readPromptFile(flags.promptFile)
              : (promptArg ?? (await readStream(process.stdin)));
          const prompt = raw.trim();
          if (prompt === '') throw new UsageError('worker: the prompt is empty');
          const { result, code } = await runWorker(target, prompt, flags.diff === true);
          logDelegateCall(process.env[DELEGATE_LOG_ENV], prompt, result);
          if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
          else if (result.ok) process.stdout.write(result.output);
          else
            throw new HacoError('worker.failed', [`worker: ${result.error ?? 'failed'}`], code as ExitCode);
          return code;
        }),
    );
}
