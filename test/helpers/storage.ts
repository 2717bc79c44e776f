import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Why real storage faults cannot be made on this machine, or undefined when they can: a tmpfs
 * mount, a read-only bind mount and `chattr +i` all need root (CAP_SYS_ADMIN / CAP_LINUX_IMMUTABLE).
 * Probed once by really mounting a tmpfs.
 */
export function mountUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'storage faults are made with Linux mounts';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs or a read-only bind mount needs root';
  const dir = mkdtempSync(join(tmpdir(), 'haco-mount-probe-'));
  try {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    if (mounted.status !== 0) return `mount -t tmpfs failed: ${String(mounted.stderr).trim()}`;
    spawnSync('umount', [dir]);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether `chattr +i` works on the file system of `dir` (ext4 does; tmpfs and overlayfs may not). */
export function immutableUnavailable(dir: string): string | undefined {
  const probe = join(dir, '.chattr-probe');
  mkdirSync(probe, { recursive: true });
  try {
    const result = spawnSync('chattr', ['+i', probe]);
    if (result.status !== 0) return `chattr +i failed here: ${String(result.stderr).trim()}`;
    spawnSync('chattr', ['-i', probe]);
    return undefined;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Mounts lasting only until {@link Mounts.release}, undone in reverse order. */
export class Mounts {
  private readonly points: string[] = [];
  private readonly immutable: string[] = [];

  /** A tmpfs of `bytes` (rounded up to pages by the kernel) at `dir` (created). */
  tmpfs(dir: string, bytes: number): void {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
    this.points.push(dir);
  }

  /** Shows `source` at `target` (both directories; `target` is created). */
  bind(source: string, target: string): void {
    mkdirSync(target, { recursive: true });
    execFileSync('mount', ['--bind', source, target]);
    this.points.push(target);
  }

  /** Makes `dir` read-only through a bind mount of itself (EROFS on every write below it). */
  readOnly(dir: string): void {
    this.bind(dir, dir);
    execFileSync('mount', ['-o', 'remount,bind,ro', dir]);
  }

  /** Undoes the last {@link readOnly} (or bind) at `dir`. */
  unmount(dir: string): void {
    const i = this.points.lastIndexOf(dir);
    if (i < 0) throw new Error(`${dir} is not mounted here`);
    this.points.splice(i, 1);
    execFileSync('umount', [dir]);
  }

  /** `chattr +i` (EPERM on writes, even for root). */
  makeImmutable(path: string): void {
    execFileSync('chattr', ['+i', path]);
    this.immutable.push(path);
  }

  /** `chattr -i`. */
  makeMutable(path: string): void {
    execFileSync('chattr', ['-i', path]);
    this.immutable.splice(this.immutable.indexOf(path), 1);
  }

  /** Undoes everything still in place; lazy unmounts, so a process left behind cannot block it. */
  release(): void {
    for (const path of this.immutable.splice(0)) spawnSync('chattr', ['-i', path]);
    for (const dir of this.points.splice(0).reverse()) spawnSync('umount', ['-l', dir]);
  }
}

/**
 * Fills the file system of `file`'s directory: writes `file` until the kernel says ENOSPC.
 * @returns bytes written
 */
export function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 0x78);
  let total = 0;
  try {
    for (;;) total += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return total;
}
