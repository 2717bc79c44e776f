import { describe, expect, it, vi } from 'vitest';

import { StreamSession } from '../../src/sessions/stream-session.js';
import type { WorkerSession } from '../../src/sessions/worker-session.js';

describe('StreamSession (a worker without a process)', () => {
  it('shows what it is given on an exact-width screen and ends when told', async () => {
    const session: WorkerSession & StreamSession = new StreamSession({ cols: 40, rows: 5 });
    let changes = 0;
    session.onChange(() => (changes += 1));
    expect(session.pid).toBeUndefined();
    session.display('first line\nsecond line\n');
    await vi.waitFor(() => expect(session.text().slice(0, 2)).toEqual(['first line', 'second line']));
    expect(changes).toBeGreaterThan(0);
    const snap = session.takeSnapshot();
    expect(snap?.lines).toHaveLength(5);
    for (const line of snap?.lines ?? []) expect(line).toHaveLength(40);
    expect(session.takeSnapshot()).toBeUndefined(); // nothing changed since
    session.resize(30, 4);
    expect(session.takeSnapshot()?.lines[0]).toHaveLength(30);
    session.display('last words');
    session.end();
    await expect(session.exited).resolves.toEqual({ exitCode: 0, signal: null });
    expect(session.isExited).toBe(true);
    expect(session.tail()).toEqual(['first line', 'second line', 'last words']);
    session.display('after the end');
    expect(session.tail()).toEqual(['first line', 'second line', 'last words']);
    session.dispose();
  });

  it('a kill stops the producer and ends as if by SIGTERM', async () => {
    const onKill = vi.fn();
    const session = new StreamSession({ onKill });
    await session.kill();
    await session.kill();
    expect(onKill).toHaveBeenCalledTimes(1);
    await expect(session.exited).resolves.toEqual({ exitCode: 143, signal: 15 });
    session.dispose();
  });

  it('has no input channel: keystrokes are ignored and protocol lines refused', () => {
    const session = new StreamSession();
    session.write('typed keys');
    session.closeInput();
    expect(() => session.writeInput('{"type":"user"}')).toThrow('this worker has no input channel');
    session.dispose();
  });
});
