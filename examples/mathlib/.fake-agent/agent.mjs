#!/usr/bin/env node
// A fake coding agent for haco's `command` agent type: a real process that reads its task from
// the environment haco gives it, shows progress, and writes only its owned files.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const task = JSON.parse(readFileSync(process.env.HACO_TASK_FILE, 'utf8'));
const prompt = readFileSync(process.env.HACO_PROMPT_FILE, 'utf8');
const isRetry = prompt.includes('The previous attempt failed');
const stepMs = Number(process.env.FAKE_AGENT_STEP_MS ?? 300);

console.log(
  `fake-agent: task ${task.id} (run ${process.env.HACO_RUN_ID}), ${isRetry ? 'retry after a failure' : 'first attempt'}`,
);
for (const file of (process.env.HACO_OWNED_FILES ?? '').split('\n').filter(Boolean)) {
  await sleep(stepMs);
  console.log(`fake-agent: thinking about ${file}`);
  const solution = join(here, 'solutions', file);
  const source = !isRetry && existsSync(`${solution}.draft`) ? `${solution}.draft` : solution;
  if (!existsSync(source)) {
    console.error(`fake-agent: no solution for ${file}`);
    process.exit(1);
  }
  await sleep(stepMs);
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(source, file);
  console.log(`fake-agent: wrote ${file}${source.endsWith('.draft') ? ' (draft)' : ''}`);
}
await sleep(stepMs);
console.log('fake-agent: done');
