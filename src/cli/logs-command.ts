import type { Command } from 'commander';

import { reloadRunConfig, secretValues } from '../config/secrets.js';
import { auditEntryJson, auditLog, formatAuditEntry } from '../db/audit.js';
import { ExitCode, HacoError, UsageError } from '../lib/errors.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { TERMINAL_RUN } from '../orchestrator/types.js';
import { runCommand } from './common.js';
import { openExisting } from './state-commands.js';

/** How often `haco logs --follow` reads the state database for new entries, ms. */
export const FOLLOW_POLL_MS = 250;

interface LogsFlags {
  task?: string;
  json?: boolean;
  follow?: boolean;
}

/**
 * The values to hide besides the secret shapes: the agents' `env:` values of the run's config,
 * reloaded from its layers (the database keeps only a redacted copy).
 * @returns the values, and a note when the config could not be reloaded
 */
function knownSecrets(core: Orchestrator, runId: string): { values: string[]; note?: string } {
  try {
    const { config } = reloadRunConfig(runId, core.repoRoot, core.db.runConfigLayers(runId), undefined, []);
    return { values: secretValues(config) };
  } catch (error) {
    if (!(error instanceof HacoError)) throw error;
    return {
      values: [],
      note: `note: ${error.lines[0] ?? 'the config cannot be reloaded'}; only known secret shapes are hidden`,
    };
  }
}

/**
 * Prints the entries of a run not printed yet (by key), oldest first.
 * @returns how many were printed
 */
function printNew(
  core: Orchestrator,
  runId: string,
  flags: LogsFlags,
  secrets: readonly string[],
  seen: Set<string>,
): number {
  const entries = auditLog(core.db, runId, {
    ...(flags.task === undefined ? {} : { task: flags.task }),
    knownSecrets: secrets,
  }).filter((e) => !seen.has(e.key));
  for (const e of entries) {
    seen.add(e.key);
    process.stdout.write(`${flags.json ? auditEntryJson(e) : formatAuditEntry(e)}\n`);
  }
  return entries.length;
}

/**
 * `haco logs RUN [--task ID] [--json] [--follow]`: the run's audit log (src/db/audit.ts), redacted.
 * `--follow` keeps reading the state database every {@link FOLLOW_POLL_MS} ms until the run
 * reaches a terminal status; Ctrl-C ends it with exit code 130.
 */
export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description(
      "print a run's audit log (events, breakpoints and answers, attempts, verify results), secrets redacted",
    )
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--task <id>', "only this task's entries")
    .option('--json', 'one JSON object per line: {ts, time, run, task, kind, message, data}')
    .option('-f, --follow', 'keep printing new entries until the run ends (Ctrl-C stops, exit 130)')
    .action((runRef: string, flags: LogsFlags) =>
      runCommand(async () => {
        const core = await openExisting();
        try {
          const runId = core.resolveRun(runRef);
          if (flags.task !== undefined && !core.db.getTasks(runId).some((t) => t.id === flags.task))
            throw new UsageError(`run ${runId} has no task "${flags.task}" (see haco status ${runId})`);
          const secrets = knownSecrets(core, runId);
          if (secrets.note) process.stderr.write(`haco: ${secrets.note}\n`);
          const seen = new Set<string>();
          printNew(core, runId, flags, secrets.values, seen);
          if (!flags.follow) return ExitCode.completed;
          return await follow(core, runId, flags, secrets.values, seen);
        } finally {
          core.close();
        }
      }),
    );
}

async function follow(
  core: Orchestrator,
  runId: string,
  flags: LogsFlags,
  secrets: readonly string[],
  seen: Set<string>,
): Promise<number> {
  let interrupted = false;
  let wake: () => void = () => undefined;
  const onSigint = (): void => {
    interrupted = true;
    wake();
  };
  process.on('SIGINT', onSigint);
  try {
    for (;;) {
      const status = core.db.getRun(runId)?.status;
      // Read once more after a terminal status: the last rows are written before the status.
      printNew(core, runId, flags, secrets, seen);
      if (status === undefined || TERMINAL_RUN.has(status)) return ExitCode.completed;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, FOLLOW_POLL_MS);
      });
      if (interrupted) return ExitCode.interrupted;
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}
