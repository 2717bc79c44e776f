import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { constants as osConstants } from 'node:os';

/** Longest time the wrapper waits for haco to read its end sentinel, s. */
export const WRAPPER_ACK_WAIT_S = 10;

/**
 * Why a wrapper: when a program prints and exits at once, the Linux pty can report the end
 * (EIO) to the reader before the last bytes were handed over, and node-pty drops them (measured:
 * `seq 1 20000; echo last` loses its last line in about 1 run of 2). So the pty child is a tiny
 * Perl wrapper (perl-base is on every Debian; ~5 MB, a few ms, against ~40 MB and ~40 ms for a
 * Node wrapper) that:
 *
 * 1. forks the command (same process group: the wrapper is the pty's session and group leader,
 *    so killing the group still kills everything), with the stdin FIFO as its stdin if there is
 *    one, and `PERL_BADLANG` restored;
 * 2. survives the signals a group kill or a terminal sends (HUP INT QUIT TERM reach the command
 *    too; the wrapper waits for it to end), so the command's own end is always reported;
 * 3. after the command exits, writes an invisible OSC sequence with a per-session nonce and the
 *    exit status, `ESC ] 7770 ; haco-end ; NONCE ; CODE ; SIGNAL BEL`, behind all of its output;
 * 4. waits until haco has read it (haco sends SIGUSR1), at most {@link WRAPPER_ACK_WAIT_S}, and
 *    exits with the command's code (128 + the signal number after a signal death: never a core
 *    dump in the user's repository).
 *
 * While the wrapper waits it holds the pty open, so nothing before the sentinel can be lost.
 */
const WRAPPER_SCRIPT = String.raw`
my ($nonce, $fifo, $badlang, @cmd) = @ARGV;
$SIG{$_} = sub {} for qw(HUP INT QUIT TERM);
my $acked = 0;
$SIG{USR1} = sub { $acked = 1 };
my $pid = fork;
if (!defined $pid) { print STDERR "haco: cannot start $cmd[0]: $!\n"; exit 127 }
if ($pid == 0) {
  if ($badlang eq '') { delete $ENV{PERL_BADLANG} } else { $ENV{PERL_BADLANG} = substr($badlang, 1) }
  if ($fifo ne '' && !open(STDIN, '<', $fifo)) { print STDERR "haco: cannot open $fifo: $!\n"; exit 127 }
  exec { $cmd[0] } @cmd;
  print STDERR "haco: cannot run $cmd[0]: $!\n";
  exit 127;
}
waitpid($pid, 0);
my $sig = $? & 127;
my $code = $sig ? 128 + $sig : $? >> 8;
exit $code unless defined syswrite(STDOUT, "\e]7770;haco-end;$nonce;$code;$sig\a");
my $until = time + ${WRAPPER_ACK_WAIT_S};
select(undef, undef, undef, 0.005) until $acked || time > $until;
exit $code;
`;

/** The sentinel's fixed start; the nonce follows. OSC 7770 is unassigned, so emulators ignore it. */
const SENTINEL_START = '\x1b]7770;haco-end;';

/** The command's end as the wrapper saw it. */
export interface WrappedExit {
  /** Exit code; 128 + the signal number after a signal death. */
  readonly exitCode: number;
  /** Signal number that ended the command, or null. */
  readonly signal: number | null;
}

/** How to start a command under the wrapper: the pty runs `command args` with `env`. */
export interface WrappedLaunch {
  readonly command: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  /** Strips the sentinel from output and reports the end (see {@link SentinelFilter}). */
  readonly filter: SentinelFilter;
}

let perlPath: string | null | undefined;

/** Perl's absolute path (looked up once on haco's own PATH), or null when there is none. */
export function findPerl(): string | null {
  if (perlPath !== undefined) return perlPath;
  perlPath = null;
  const dirs = ['/usr/bin', '/bin', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const candidate = join(dir, 'perl');
    try {
      accessSync(candidate, constants.X_OK);
      perlPath = candidate;
      break;
    } catch {
      // not here
    }
  }
  return perlPath;
}

/**
 * Wraps a command so its end is reported in-band behind its last output.
 * @param stdinFifo a FIFO the command gets as stdin, or undefined to keep the pty
 * @returns undefined when Perl cannot be found (callers run the command bare)
 */
export function wrapCommand(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  stdinFifo: string | undefined,
): WrappedLaunch | undefined {
  const perl = findPerl();
  if (!perl) return undefined;
  const nonce = randomBytes(8).toString('hex');
  // Perl warns on the pty about a locale that is not installed; the command gets the user's value back.
  const badlang = env.PERL_BADLANG === undefined ? '' : `=${env.PERL_BADLANG}`;
  return {
    command: perl,
    args: ['-e', WRAPPER_SCRIPT, '--', nonce, stdinFifo ?? '', badlang, command, ...args],
    env: { ...env, PERL_BADLANG: '0' },
    filter: new SentinelFilter(nonce),
  };
}

/**
 * Removes the wrapper's end sentinel from a session's output, even when it arrives split across
 * chunks, and reports the exit status it carries. Text that merely looks like a sentinel without
 * the session's nonce passes through untouched.
 */
export class SentinelFilter {
  private readonly start: string;
  private held = '';
  /** The command's end, once the sentinel was read. */
  ended: WrappedExit | undefined;

  constructor(nonce: string) {
    this.start = `${SENTINEL_START}${nonce};`;
  }

  /** @returns the chunk without the sentinel (a possible sentinel start is held back) */
  push(chunk: string): string {
    let text = this.held + chunk;
    this.held = '';
    const at = text.indexOf(this.start);
    if (at >= 0) {
      const end = text.indexOf('\x07', at);
      if (end < 0) {
        this.held = text.slice(at);
        return text.slice(0, at);
      }
      const [code, signal] = text.slice(at + this.start.length, end).split(';');
      const sig = Number(signal);
      this.ended = { exitCode: Number(code), signal: sig > 0 ? sig : null };
      text = text.slice(0, at) + text.slice(end + 1);
      return text;
    }
    // Hold back a tail that could be the sentinel's beginning: it starts at the last ESC (the
    // sentinel holds only one, its first character).
    const esc = text.lastIndexOf('\x1b');
    if (esc >= 0 && text.length - esc < this.start.length && this.start.startsWith(text.slice(esc))) {
      this.held = text.slice(esc);
      return text.slice(0, esc);
    }
    return text;
  }

  /** What was held back when no more output will come. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }
}

/** A signal's name (`SIGKILL`) from its number, or `signal N` when this platform has no name for it. */
export function signalName(signal: number): string {
  for (const [name, n] of Object.entries(osConstants.signals)) if (n === signal) return name;
  return `signal ${signal}`;
}
