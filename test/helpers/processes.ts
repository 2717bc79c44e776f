import { execFileSync } from 'node:child_process';

/**
 * Processes of a group that are still running, per `ps` (zombies left to a non-reaping PID 1 are
 * not running and are excluded).
 */
export function runningInGroup(pgid: number): Array<{ pid: number; stat: string; comm: string }> {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,comm='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => Number(f[1]) === pgid && !(f[2] ?? '').startsWith('Z'))
    .map((f) => ({ pid: Number(f[0]), stat: f[2] ?? '', comm: f[3] ?? '' }));
}
