import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { render, type Instance } from 'ink';
import { stringify } from 'yaml';

import { PlanningApp, type PlanningKey } from '../../components/PlanningApp.js';
import type { Config } from '../config/schema.js';
import { ExitCode, HacoError, PAUSE_SIGNALS, type PauseSignal } from '../lib/errors.js';
import type { Plan } from '../plan/schema.js';
import { readPlanData } from '../plan/load.js';
import { checkPlan } from '../plan/validate.js';
import { estimatePlan } from '../supervisor/estimate.js';
import { PlanningFailedError, planFromRequest, type PlanningResult } from '../supervisor/planner.js';
import type { SupervisorClient } from '../supervisor/provider.js';
import { planReviewView, type PlanReviewView } from '../state/plan-review.js';
import { createPlanningStore } from '../state/planning-store.js';
import type { Workspace } from '../workspace/git.js';
import type { Theme } from '../../themes/index.js';

/** Alternate screen on, cursor home; and back (as mount-dashboard.tsx). */
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l\x1b[?25h';

/** How the planning screen ended. */
export type PlanningOutcome =
  /** `a`: the plan was written to `planFile` (absolute, under `.haco/plans/`). */
  | { readonly kind: 'approved'; readonly planFile: string }
  /** `r`: nothing was written or run. */
  | { readonly kind: 'rejected' }
  /** Planning failed; `line` says why (and where the answers were saved); `exitCode` its code. */
  | { readonly kind: 'failed'; readonly line: string; readonly exitCode: ExitCode }
  /** `q` while the supervisor was still answering, or a signal (SIGHUP, SIGINT, SIGTERM). */
  | { readonly kind: 'interrupted'; readonly signal?: PauseSignal };

/** What {@link mountPlanning} needs. */
export interface MountPlanningOptions {
  readonly request: string;
  readonly config: Config;
  readonly workspace: Workspace;
  readonly client: SupervisorClient;
  readonly theme: Theme;
  /** The editor command for `e` (run by `/bin/sh -c`, the file as its last argument). */
  readonly editor: string;
}

/** The plan waiting for approval: its data as written (to save) and the validated plan. */
interface Draft {
  data: unknown;
  plan: Plan;
  /** The file `e` edits (created at the first `e`), and its text once edited. */
  file?: string;
  text?: string;
}

/**
 * The planning screen of `haco-tui "REQUEST"` (issue 8 point 3): plans with the configured
 * supervisor (`planFromRequest`, its `onText` / `onRepair` callbacks feeding the planning store),
 * then shows the plan for approval. `a` saves it under `.haco/plans/<timestamp>.yaml` (as
 * `haco plan` does); `r` writes nothing; `e` opens it in the editor with Ink unmounted (the
 * terminal back in cooked mode on the normal screen), then validates the saved file (`checkPlan`)
 * and shows the new plan or the validation lines. Loaded only by `haco-tui.ts`, after the
 * environment is fixed for Ink.
 */
export async function mountPlanning(options: MountPlanningOptions): Promise<PlanningOutcome> {
  const { config, workspace, client, theme } = options;
  const { stdout } = process;
  const store = createPlanningStore({
    request: options.request,
    supervisor: `${client.provider} (${client.model})`,
    cols: stdout.columns,
    rows: stdout.rows,
  });
  const onResize = (): void => store.getState().resizeScreen(stdout.columns, stdout.rows);
  stdout.on('resize', onResize);
  const keys: PlanningKey[] = [];
  let wake: (() => void) | undefined;
  const onKey = (key: PlanningKey): void => {
    keys.push(key);
    wake?.();
  };
  // A signal stops planning like `q` (nothing was written yet but refused answers).
  let signalled: PauseSignal | undefined;
  const onSignal = (signal: PauseSignal): void => {
    signalled ??= signal;
    onKey('quit');
  };
  const signals = Object.keys(PAUSE_SIGNALS) as PauseSignal[];
  for (const signal of signals) process.on(signal, onSignal);
  const nextKey = async (): Promise<PlanningKey> => {
    while (keys.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return keys.shift() as PlanningKey;
  };
  let ink: Instance | undefined;
  const mount = (): void => {
    stdout.write(ENTER_ALT_SCREEN);
    ink = render(<PlanningApp store={store} onKey={onKey} theme={theme} />, {
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 60,
    });
  };
  const unmount = async (): Promise<void> => {
    ink?.unmount();
    await ink?.waitUntilExit();
    ink = undefined;
    stdout.write(LEAVE_ALT_SCREEN);
  };

  let draft: Draft | undefined;
  let listed: readonly string[] = [];
  let failure: { line: string; exitCode: ExitCode } | undefined;
  const abort = new AbortController();
  const review = (plan: Plan, planning?: PlanReviewView['planning']): PlanReviewView =>
    planReviewView(plan, estimatePlan(plan, config, workspace.root, listed), planning);
  const planning = planFromRequest({
    request: options.request,
    config,
    repoRoot: workspace.root,
    client,
    signal: abort.signal,
    onText: (chunk) => store.getState().appendText(chunk),
    onRepair: (round, problems) => store.getState().startRepair(round, problems),
  }).then(
    (result: PlanningResult) => {
      listed = result.repoFiles;
      draft = { data: result.data, plan: result.plan };
      store.getState().showPlan(
        review(result.plan, {
          calls: result.calls,
          inputTokens: result.usage.input,
          outputTokens: result.usage.output,
          costUsd: result.costUsd,
        }),
      );
    },
    async (error: unknown) => {
      if (abort.signal.aborted) return;
      // The refused answers were saved under .haco/: keep it out of git status.
      if (error instanceof PlanningFailedError) await workspace.excludeHacoDir();
      const line =
        error instanceof HacoError ? error.lines.join(' ') : `internal error: ${(error as Error).message}`;
      failure = { line, exitCode: error instanceof HacoError ? error.exitCode : ExitCode.failed };
      store.getState().fail(line);
    },
  );

  mount();
  try {
    for (;;) {
      const key = await nextKey();
      const phase = store.getState().phase;
      if (key === 'quit') {
        if (failure && !signalled) return { kind: 'failed', ...failure };
        abort.abort();
        await planning;
        return { kind: 'interrupted', ...(signalled ? { signal: signalled } : {}) };
      }
      if (key === 'reject') return { kind: 'rejected' };
      if (!draft) continue;
      if (key === 'approve' && phase === 'review') {
        const file = join(
          workspace.root,
          '.haco',
          'plans',
          `${new Date().toISOString().replace(/[:.]/g, '-')}.yaml`,
        );
        await workspace.excludeHacoDir();
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, draft.text ?? stringify(draft.data));
        return { kind: 'approved', planFile: file };
      }
      if (key === 'edit') {
        draft.file ??= join(mkdtempSync(join(tmpdir(), 'haco-plan-')), 'plan.yaml');
        if (draft.text === undefined) writeFileSync(draft.file, stringify(draft.data));
        await unmount();
        const edited = spawnSync('/bin/sh', ['-c', `${options.editor} "$1"`, 'editor', draft.file], {
          stdio: 'inherit',
        });
        mount();
        if (edited.status !== 0) continue; // the editor was abandoned (e.g. vim :cq): nothing changes
        draft.text = readFileSync(draft.file, 'utf8');
        const checked = checkEdited(draft.file, config, workspace.root);
        if ('problems' in checked) store.getState().refuseEdit(checked.problems);
        else {
          draft.data = checked.data;
          draft.plan = checked.plan;
          store.getState().showPlan(review(checked.plan, store.getState().review?.planning));
        }
      }
    }
  } finally {
    await unmount();
    stdout.off('resize', onResize);
    for (const signal of signals) process.off(signal, onSignal);
    if (draft?.file) rmSync(dirname(draft.file), { recursive: true, force: true });
  }
}

/** Reads and validates an edited plan file: the plan, or its problems as `path: message` lines. */
function checkEdited(
  file: string,
  config: Config,
  repoRoot: string,
): { data: unknown; plan: Plan } | { problems: string[] } {
  let data: unknown;
  try {
    data = readPlanData(file, 'the edited plan');
  } catch (error) {
    if (error instanceof HacoError) return { problems: [...error.lines] };
    throw error;
  }
  const checked = checkPlan(data, config, repoRoot);
  if (checked.plan) return { data, plan: checked.plan };
  return { problems: checked.problems.map((p) => `${p.path}: ${p.message}`) };
}
