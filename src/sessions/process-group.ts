import { delay } from '../lib/wait.js';

/** Whether any process of the group led by `pgid` is still alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Kills a whole process group: SIGTERM, then SIGKILL after `graceMs` if anything is left.
 * A pty child is a session leader (setsid), so its pid is its group id and its background
 * children share it.
 * @param graceMs time the group gets to exit after SIGTERM, ms
 * @returns once the group is gone (or after a final SIGKILL and 1 s)
 */
export async function killProcessGroup(pgid: number, graceMs = 1000): Promise<void> {
  const send = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pgid, signal);
    } catch {
      // ESRCH: already gone
    }
  };
  if (!groupAlive(pgid)) return;
  send('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await delay(25);
  if (!groupAlive(pgid)) return;
  send('SIGKILL');
  const hard = Date.now() + 1000;
  while (groupAlive(pgid) && Date.now() < hard) await delay(10);
}
