#!/usr/bin/env node
// The crash soak (issue 6, "Crash and resume"): ROUNDS times in a row, on a fresh temp repository,
// start `haco run` headless with 4 busy workers (fake shell agents that write their files slowly;
// one forks a `setsid` child that keeps writing), wait until all 4 run, `kill -9` haco, check that
// no process of the run remains (by marker, and by the setsid child's pid), `haco resume` it, check
// that it completes, that again no process of the run remains, and that each task has exactly one
// commit. Prints each round's timing and a summary; exits 1 on any failure.
//
// Usage: node scripts/crash-soak.mjs [ROUNDS]   (default 20; needs a built dist/: npm run build)
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HACO = join(ROOT, 'dist/src/cli/haco.js');
const ROUNDS = Number(process.argv[2] ?? 20);
const TASKS = ['t1', 't2', 't3', 't4'];
/**
 * How long a check may wait for something that must happen (workers started, a command done), ms;
 * generous for a loaded CI machine. SOAK_DEADLINE_MS overrides it.
 */
const DEADLINE_MS = Number(process.env.SOAK_DEADLINE_MS ?? 60_000);
/** How long the processes of the run may take to be gone after kill -9, ms. */
const REAP_DEADLINE_MS = 10_000;

if (!existsSync(HACO)) {
  console.error('crash-soak: dist/ is not built (run: npm run build)');
  process.exit(2);
}
const { findMarked, runMarkerPrefix } = await import(join(ROOT, 'dist/src/sessions/sweep.js'));

// Writes its first owned file one line at a time: 10 lines, slowly in the first attempt (5 s, so
// all 4 are surely mid-write when haco is killed), quickly after the resume. t4 also starts a
// setsid child that appends to a file outside the repository forever, its pid in $SOAK_DIR.
const AGENT = `#!/bin/sh
f=$(printf '%s\\n' "$HACO_OWNED_FILES" | head -n 1)
mkdir -p "$(dirname "$f")"
: > "$f"
if [ "$HACO_TASK_ID" = t4 ]; then
  setsid sh -c 'while :; do echo tick >> "$1"; sleep 0.05; done' soak-setsid "$SOAK_DIR/side.log" &
  echo $! > "$SOAK_DIR/setsid-$HACO_ATTEMPT-$$.pid"
fi
pause=0.5
[ "$HACO_ATTEMPT" -gt 1 ] && pause=0.02
i=0
while [ $i -lt 10 ]; do
  echo "$HACO_TASK_ID line $i" >> "$f"
  i=$((i + 1))
  sleep $pause
done
`;

function isRunning(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function waitFor(what, check, deadlineMs = DEADLINE_MS) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function makeRepo() {
  const base = mkdtempSync(join(tmpdir(), 'haco-soak-'));
  const repo = join(base, 'repo');
  const home = join(base, 'home');
  const soak = join(base, 'soak');
  for (const dir of [repo, home, soak]) mkdirSync(dir);
  const env = { ...process.env, HOME: home };
  delete env.HACO_MARKER;
  const git = (...args) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Soak');
  git('config', 'user.email', 'soak@example.invalid');
  git('config', 'commit.gpgsign', 'false');
  writeFileSync(join(repo, 'agent.sh'), AGENT);
  chmodSync(join(repo, 'agent.sh'), 0o755);
  writeFileSync(
    join(repo, 'cfg.yaml'),
    `agents:\n  busy: { type: command, command: ./agent.sh, env: { SOAK_DIR: ${JSON.stringify(soak)} } }\ndefaults: { agent: busy }\nconcurrency: 4\n`,
  );
  const tasks = TASKS.map(
    (id) =>
      `  - { id: ${id}, title: write ${id}, files: [${id}/out.txt], prompt: "write ${id}", verify: ["test -s ${id}/out.txt"], timeout: 60s, retries: 0 }`,
  );
  writeFileSync(join(repo, 'plan.yaml'), ['version: 1', 'goal: soak', 'tasks:', ...tasks, ''].join('\n'));
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  return { base, repo, soak, env, git };
}

function runCli(args, ctx) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HACO, ...args], {
      cwd: ctx.repo,
      env: ctx.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function setsidPids(soak) {
  return readdirSync(soak)
    .filter((f) => f.startsWith('setsid-'))
    .map((f) => Number(readFileSync(join(soak, f), 'utf8').trim()))
    .filter((pid) => pid > 0);
}

/** Nothing of the run left: no marked process, no setsid child. Returns a problem or undefined. */
function leftovers(runId, soak) {
  const marked = findMarked({ prefix: runMarkerPrefix(runId) });
  const alive = setsidPids(soak).filter(isRunning);
  if (marked.length || alive.length)
    return `marked ${marked.join(',') || '-'}, setsid ${alive.join(',') || '-'}`;
  return undefined;
}

async function round(n) {
  const ctx = makeRepo();
  const t0 = Date.now();
  const times = {};
  let ok = false;
  let haco;
  let runId;
  try {
    haco = spawn(
      process.execPath,
      [HACO, 'run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--headless'],
      {
        cwd: ctx.repo,
        env: ctx.env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    haco.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((r) => haco.on('close', (code, signal) => r({ code, signal })));
    runId = await waitFor('the run id', () => /haco: run ([0-9a-f]{8})/.exec(stderr)?.[1]);
    await waitFor(
      '4 running workers and the setsid child',
      () =>
        TASKS.every((t) => stderr.includes(`haco: ${t}: attempt 1 started`)) &&
        setsidPids(ctx.soak).length > 0,
    );
    times.started = Date.now() - t0;
    haco.kill('SIGKILL');
    const { signal } = await exited;
    if (signal !== 'SIGKILL') throw new Error(`haco ended by itself (${signal}) before the kill:\n${stderr}`);
    const killedAt = Date.now();
    await waitFor(
      'every process of the run to be gone after kill -9',
      () => !leftovers(runId, ctx.soak),
      REAP_DEADLINE_MS,
    ).catch(() => {
      throw new Error(`processes survived kill -9: ${leftovers(runId, ctx.soak)}`);
    });
    times.reaped = Date.now() - killedAt;
    const status = await runCli(['status', runId, '--json'], ctx);
    const shown = JSON.parse(status.stdout).status;
    if (shown !== 'interrupted') throw new Error(`haco status says ${shown}, not interrupted`);
    const r0 = Date.now();
    const resumed = await runCli(['resume', runId, '--json'], ctx);
    times.resume = Date.now() - r0;
    if (resumed.code !== 0) throw new Error(`haco resume exited ${resumed.code}:\n${resumed.stderr}`);
    const summary = JSON.parse(resumed.stdout);
    if (summary.status !== 'completed') throw new Error(`the resumed run is ${summary.status}`);
    const left = leftovers(runId, ctx.soak);
    if (left) throw new Error(`processes survived the resumed run: ${left}`);
    const subjects = ctx.git('log', '--format=%s').split('\n');
    for (const t of TASKS) {
      const count = subjects.filter((s) => s === `haco(${t}): write ${t}`).length;
      if (count !== 1) throw new Error(`task ${t} has ${count} commits:\n${subjects.join('\n')}`);
      const content = ctx.git('show', `HEAD:${t}/out.txt`);
      if (content.split('\n').length !== 10)
        throw new Error(`${t}/out.txt was committed half written:\n${content}`);
    }
    times.total = Date.now() - t0;
    console.log(
      `round ${String(n).padStart(2)}: ok  workers up ${times.started} ms · reaped ${times.reaped} ms after kill -9 · resume ${times.resume} ms · total ${times.total} ms`,
    );
    ok = true;
    return { ok, ms: times.total };
  } catch (error) {
    console.log(`round ${String(n).padStart(2)}: FAILED after ${Date.now() - t0} ms: ${error.message}`);
    console.log(`  repository kept for inspection: ${ctx.repo}`);
    return { ok, ms: Date.now() - t0 };
  } finally {
    // Never leave a process behind, whatever happened.
    if (haco && haco.exitCode === null && haco.signalCode === null) haco.kill('SIGKILL');
    const marked = runId ? findMarked({ prefix: runMarkerPrefix(runId) }) : [];
    for (const pid of [...marked, ...setsidPids(ctx.soak)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    // A failing round's repository is kept for inspection (its path is printed above).
    if (ok) rmSync(ctx.base, { recursive: true, force: true });
  }
}

const started = Date.now();
const results = [];
for (let n = 1; n <= ROUNDS; n++) {
  const result = await round(n);
  results.push(result);
}
const failed = results.filter((r) => !r.ok).length;
const ms = results.map((r) => r.ms).sort((a, b) => a - b);
console.log(
  `crash soak: ${ROUNDS - failed}/${ROUNDS} rounds passed in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
    `(round median ${ms[Math.floor(ms.length / 2)]} ms, max ${ms.at(-1)} ms)`,
);
process.exit(failed ? 1 : 0);
