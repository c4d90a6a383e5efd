import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DnsfleetError } from '../dns/error';
import type { SigningRecord } from '../dnssec/zone-signing';

/**
 * The state directory of `dnsfleet serve`: what the operator keeps in a Secret per zone, serve
 * keeps in files, one directory per zone:
 *
 *     <state-dir>/<zone>/state.json    the SigningRecord (private keys!) and the last signed serial
 *     <state-dir>/<zone>/status.json   what status.dnssec shows in a cluster, never a private part
 *
 * Directories are made mode 0700 and files 0600, written whole to a temporary file in the same
 * directory and renamed over the old one (rename(2) is atomic), so a crash leaves the old file
 * or the new one, never half of one; the keys survive restarts.
 */

export class StateDirError extends DnsfleetError {}

/** What serve persists per zone. */
export interface ZoneState {
  readonly version: 1;
  readonly record: SigningRecord;
  /** The serial of the signed version last served: the next one is newer (ZoneSigner's lastSerial). */
  readonly lastSerial?: number;
  /**
   * The parent nameservers of the last policy in mode Parent: after the policy is taken away, the
   * DS is still asked for until it is gone (unsigning).
   */
  readonly parentNameservers?: ReadonlyArray<{ readonly address: string; readonly port?: number }>;
}

/** `$XDG_STATE_HOME/dnsfleet`, else `~/.local/state/dnsfleet` (XDG Base Directory Specification). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  // The specification: a relative path in the variable is invalid and ignored.
  return xdg && xdg.startsWith('/') ? join(xdg, 'dnsfleet') : join(homedir(), '.local', 'state', 'dnsfleet');
}

/**
 * The zone's directory name: its name in lower case without the final dot (`.` is `root`), every
 * character but letters, digits, `-`, `_` and inner dots written `%XX`, so no name can climb out.
 */
export function zoneDirName(origin: string): string {
  const name = origin.toLowerCase().replace(/\.$/, '');
  if (name === '') return 'root';
  return name.replace(/[^a-z0-9._-]|^\.|\.\.|\.$/g, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
}

export class StateDir {
  constructor(readonly path: string) {}

  zoneDir(origin: string): string {
    return join(this.path, zoneDirName(origin));
  }

  /** The zone's state, or undefined when it has none yet. Throws StateDirError when it cannot be read. */
  read(origin: string): ZoneState | undefined {
    const file = join(this.zoneDir(origin), 'state.json');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StateDirError(`${file}: cannot read: ${(err as Error).message}`, { file }, { cause: err });
    }
    try {
      const state = JSON.parse(text) as ZoneState;
      if (state.version !== 1 || state.record?.version !== 1) throw new Error(`version ${String(state.version)} is not 1`);
      return state;
    } catch (err) {
      throw new StateDirError(`${file}: not a state file of this version: ${(err as Error).message}`, { file }, { cause: err });
    }
  }

  write(origin: string, state: ZoneState): void {
    this.writeFile(origin, 'state.json', `${JSON.stringify(state)}\n`);
  }

  writeStatus(origin: string, status: unknown): void {
    this.writeFile(origin, 'status.json', `${JSON.stringify(status, null, 2)}\n`);
  }

  private writeFile(origin: string, name: string, text: string): void {
    const dir = this.zoneDir(origin);
    const file = join(dir, name);
    const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}`);
    try {
      // The state directory itself may be the user's (`--state-dir`): made 0700 when new, left as
      // it is otherwise. The zone's directory is ours: always 0700.
      mkdirSync(this.path, { recursive: true, mode: 0o700 });
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      const fd = openSync(temp, 'wx', 0o600);
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, file);
    } catch (err) {
      try {
        unlinkSync(temp);
      } catch {
        // not made
      }
      throw new StateDirError(`${file}: cannot write: ${(err as Error).message}`, { file }, { cause: err });
    }
  }
}
