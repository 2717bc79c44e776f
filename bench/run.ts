// npm run bench: speed targets are measured here, never asserted in timed tests.
import { measureViolationLatency, LIMIT_MS } from './violation-latency.js';
import { measureMathlibRun } from './mathlib-run.js';

function stats(values: number[]): { min: number; median: number; p95: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { min: s[0] ?? NaN, median: at(0.5), p95: at(0.95), max: s[s.length - 1] ?? NaN };
}

const rows: Array<[string, string, string]> = [];

const latency = stats(await measureViolationLatency(10));
rows.push([
  'ownership violation: write → breakpoint (ms, 10 runs)',
  `median ${latency.median}, p95 ${latency.p95}, max ${latency.max}`,
  latency.max < LIMIT_MS ? `ok (< ${LIMIT_MS})` : `OVER ${LIMIT_MS}`,
]);

const run = await measureMathlibRun(3);
rows.push([
  'examples/mathlib, 4 tasks, fake agents (ms, 3 runs)',
  `median ${stats(run.wallMs).median}; add+multiply overlap ${stats(run.overlapMs).median} ms`,
  stats(run.overlapMs).median > 0 ? 'parallel' : 'NOT PARALLEL',
]);

for (const [what, value, verdict] of rows) console.log(`${what.padEnd(58)} ${value.padEnd(48)} ${verdict}`);
if (rows.some((r) => /OVER|NOT/.test(r[2]))) process.exitCode = 1;
