// Installing rendered output: compare -> stage -> check -> install -> reload, each a small step with a typed
// result, and no error ignored (confd ignores chmod/chown failures and keeps going).
//
// Guarantees, for any crash (even kill -9) at any point: dest is either the old or the new complete file,
// because the new content is written and fsynced to a stage file in dest's own directory and then renamed over
// dest (rename is atomic within a file system). Stage files carry our pid in their name, so the ones a killed
// process leaves behind are recognised and removed at the next start (cleanStaleStageFiles).

import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  openSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeBytes, encodeBytes, hasEscapedBytes } from '../govalue/bytes.js';
import { T, goMap } from '../govalue/index.js';
import { Template } from '../gotemplate/index.js';
import type { Logger } from '../log/index.js';
import { describeResult, type CommandRunner } from './command.js';
import type { ResourceSpec } from './spec.js';
import { crypto } from '../util/builtins.js';

export type StepName = 'render' | 'stage' | 'check' | 'install' | 'reload';

/** A failure of one step for one resource; `message` follows confd's wording where confd has one. */
export class ResourceError extends Error {
  override readonly name = 'ResourceError';
  constructor(
    message: string,
    readonly step: StepName,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  /**
   * Whether running the resource again, with the same keys, may succeed (watch mode retries it): a full disk, a
   * dest directory created late or a check/reload command may pass; a render or command-template error will not,
   * nor an outcome the guard has settled until the keys change (a rollback, records quarantined).
   */
  get retryable(): boolean {
    return this.step !== 'render' && this.code !== 'ECMDTEMPLATE' && this.code !== 'EROLLEDBACK' && this.code !== 'EQUARANTINED';
  }
}

// ---- dest state and the target attributes ------------------------------------------------------------------

export interface FileState {
  readonly mode: number; // permission bits (& 0o7777)
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly ino: number;
  readonly mtimeMs: number;
  /** What dest points to when it is a symbolic link (installing replaces the link with a regular file, as confd). */
  readonly symlink?: string;
  /** False for a FIFO, device or directory: never read (a FIFO would block, a device never end). */
  readonly regular: boolean;
  /** Hard links: above 1, dest's content may be another file's. */
  readonly nlink: number;
}

/** dest's state, following a symbolic link (as confd's os.Stat); undefined when it (or the link's target) is missing. */
export function statDest(dest: string): FileState | undefined {
  try {
    const lst = lstatSync(dest);
    const symlink = lst.isSymbolicLink() ? readlinkSync(dest) : undefined;
    const st = symlink === undefined ? lst : statSync(dest);
    return {
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      size: st.size,
      ino: st.ino,
      mtimeMs: st.mtimeMs,
      regular: st.isFile(),
      nlink: st.nlink,
      ...(symlink !== undefined ? { symlink } : {}),
    };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ResourceError(`cannot stat ${dest}: ${(e as Error).message}`, 'stage', 'ESTAT', { cause: e });
  }
}

/**
 * Whether dest's current content may be shown (-noop's diff): not when dest is a symbolic link or a hard link
 * (the content is another file's, perhaps one the reader may not see), nor when it is not a regular file.
 */
export function destContentShowable(state: FileState): boolean {
  return state.symlink === undefined && state.nlink <= 1 && state.regular;
}

/** The attributes dest must end up with. uid/gid are undefined when the resource leaves ownership alone. */
export interface Target {
  readonly mode: number;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
}

/** confd: mode from the resource, else dest's current mode, else 0644. Owner: only when the resource sets one. */
export function targetFor(spec: ResourceSpec, dest: FileState | undefined): Target {
  return { mode: spec.mode ?? dest?.mode ?? 0o644, uid: spec.uid, gid: spec.gid };
}

// ---- compare -------------------------------------------------------------------------------------------------

/** What we last installed, so that an unchanged render is recognised without reading dest back. */
export interface Installed {
  readonly content: string;
  readonly state: FileState;
}

export interface Comparison {
  readonly inSync: boolean;
  /** confd's messages for each difference ("X has mode 0600 should be 0644"). */
  readonly reasons: readonly string[];
  /** dest's current content when it was read (for -noop's diff). */
  readonly destContent: string | undefined;
}

function sameState(a: FileState, b: FileState): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
}

/** Go's os.FileMode.String for a regular file's permission bits (confd logs modes this way): `-rw-r--r--`. */
export function modeString(m: number): string {
  let out = '';
  if (m & 0o4000) out += 'u';
  if (m & 0o2000) out += 'g';
  if (m & 0o1000) out += 't';
  if (out === '') out = '-';
  const rwx = 'rwxrwxrwx';
  for (let i = 0; i < 9; i++) out += m & (1 << (8 - i)) ? rwx[i] : '-';
  return out;
}

/**
 * Per dest, the contents hashed last: a change's "should be" sum is the same dest's next "has" sum, so in watch
 * mode each render of a large file is hashed once, not twice (1.5 MB: ~2 ms on a shared machine), also when
 * several resources change together.
 */
const md5Last = new Map<string, { content: string; hex: string }>();

function md5Hex(dest: string, content: string): string {
  const last = md5Last.get(dest);
  if (last?.content === content) return last.hex;
  const hex = crypto().createHash('md5').update(encodeBytes(content)).digest('hex');
  md5Last.set(dest, { content, hex });
  return hex;
}

export function compare(dest: string, content: string, target: Target, state: FileState | undefined, cache?: Installed): Comparison {
  if (state === undefined) return { inSync: false, reasons: [`${dest} does not exist`], destContent: undefined };
  const reasons: string[] = [];
  if (target.uid !== undefined && state.uid !== target.uid) reasons.push(`${dest} has UID ${state.uid} should be ${target.uid}`);
  if (target.gid !== undefined && state.gid !== target.gid) reasons.push(`${dest} has GID ${state.gid} should be ${target.gid}`);
  if (state.mode !== target.mode) reasons.push(`${dest} has mode ${modeString(state.mode)} should be ${modeString(target.mode)}`);
  let destContent: string | undefined;
  let sameContent: boolean;
  if (!state.regular) {
    reasons.push(`${dest} is not a regular file`);
    return { inSync: false, reasons, destContent: undefined };
  }
  if (cache && sameState(cache.state, state)) {
    // dest is the file we wrote and nobody touched it since.
    sameContent = cache.content === content;
  } else {
    try {
      destContent = decodeBytes(readFileSync(dest));
    } catch (e) {
      throw new ResourceError(`cannot read ${dest}: ${(e as Error).message}`, 'stage', 'EREAD', { cause: e });
    }
    sameContent = destContent === content;
  }
  if (sameContent) return { inSync: reasons.length === 0, reasons, destContent };
  // confd's line (util.IsConfigChanged), which operators alert on. Its md5 sums are made only when the reasons are
  // read (they are logged at info): a render of a large file need not hash it twice when nobody looks.
  const old = destContent ?? cache?.content ?? '';
  let all: string[] | undefined;
  return {
    inSync: false,
    get reasons(): readonly string[] {
      return (all ??= [...reasons, `${dest} has md5sum ${md5Hex(dest, old)} should be ${md5Hex(dest, content)}`]);
    },
    destContent,
  };
}

// ---- stage ---------------------------------------------------------------------------------------------------

const STAGE_TAG = '.confd-stage-';

/** `.<dest base>.confd-stage-<pid>-<random>` in dest's directory (confd: `.<dest base><random>`). */
export function stagePathFor(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}${STAGE_TAG}${process.pid}-${crypto().randomBytes(4).toString('hex')}`);
}

/**
 * Writes `content` to a new stage file next to dest with the target mode and owner, fsynced; returns its path.
 * On any error the stage file is removed and a ResourceError says which part failed.
 */
export function stage(dest: string, content: string, target: Target): string {
  const path = stagePathFor(dest);
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `directory ${dirname(dest)} does not exist` : (e as Error).message;
    throw new ResourceError(`cannot create stage file for ${dest}: ${why}`, 'stage', 'ESTAGE', { cause: e });
  }
  try {
    writeAll(fd, content);
    fchmodSync(fd, target.mode);
    if (target.uid !== undefined || target.gid !== undefined) {
      const st = fstatSync(fd);
      const uid = target.uid ?? st.uid;
      const gid = target.gid ?? st.gid;
      if (uid !== st.uid || gid !== st.gid) fchownSync(fd, uid, gid);
    }
    fsyncSync(fd);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // reported below
    }
    removeQuietly(path);
    throw new ResourceError(`cannot write stage file ${path}: ${(e as Error).message}`, 'stage', 'ESTAGE', { cause: e });
  }
  closeSync(fd);
  return path;
}

/**
 * Writes `content` as UTF-8 at the file's position. The string goes to writeSync directly: Node encodes it into a
 * native buffer that is freed as soon as the write returns, where a Buffer.from() copy of a multi-megabyte output
 * would stay on the heap's books until the next GC. A short write (a nearly full disk) continues from a Buffer.
 */
export function writeAll(fd: number, content: string): void {
  if (hasEscapedBytes(content)) {
    // Bytes that are not UTF-8 (govalue/bytes.ts): write what they stand for.
    const bytes = encodeBytes(content);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    return;
  }
  const written = writeSync(fd, content, null, 'utf8');
  const total = Buffer.byteLength(content, 'utf8');
  if (written >= total) return;
  const buf = Buffer.from(content, 'utf8');
  let off = written;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return false; // a file with our pid from a previous life of this pid
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes stage files for `dest` left by processes that no longer run (a kill -9 mid-write). Returns them. */
export function cleanStaleStageFiles(dest: string): string[] {
  const dir = dirname(dest);
  const prefix = `.${basename(dest)}${STAGE_TAG}`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
    if (!m || pidAlive(Number(m[1]))) continue;
    removeQuietly(join(dir, name));
    removed.push(join(dir, name));
  }
  return removed;
}

// ---- commands --------------------------------------------------------------------------------------------------

/** Expands `{{.src}}` / `{{.dest}}` in a command the way confd does: the command is a Go template. */
export function expandCommand(which: 'check_cmd' | 'reload_cmd', cmd: string, vars: { src: string; dest: string }): string {
  const data = goMap(T.string, T.string, new Map<unknown, unknown>([
    ['src', vars.src],
    ['dest', vars.dest],
  ]));
  try {
    return Template.parse(which === 'check_cmd' ? 'checkcmd' : 'reloadcmd', cmd, {}).execute(data);
  } catch (e) {
    throw new ResourceError(`${which}: ${(e as Error).message}`, which === 'check_cmd' ? 'check' : 'reload', 'ECMDTEMPLATE', { cause: e });
  }
}

export interface CommandContext {
  readonly run: CommandRunner;
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly signal?: AbortSignal;
}

async function runStep(step: 'check' | 'reload', cmd: string, ctx: CommandContext): Promise<void> {
  ctx.log.debug(`Running ${cmd}`);
  let r;
  try {
    r = await ctx.run(cmd, { timeoutMs: ctx.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } catch (e) {
    throw new ResourceError(`${step === 'check' ? 'Config check failed' : 'Reload failed'}: cannot run /bin/sh: ${(e as Error).message}`, step, 'ESPAWN', { cause: e });
  }
  if (r.code === 0 && !r.timedOut) {
    if (r.output !== '') ctx.log.debug(`${step === 'check' ? 'check_cmd' : 'reload_cmd'} output: ${JSON.stringify(r.output)}`);
    return;
  }
  if (r.output !== '') ctx.log.error(`${step === 'check' ? 'check_cmd' : 'reload_cmd'} output: ${JSON.stringify(r.output)}`);
  const why = describeResult(r, ctx.timeoutMs);
  throw new ResourceError(step === 'check' ? `Config check failed: ${why}` : `Reload command failed: ${why}`, step, step === 'check' ? 'ECHECK' : 'ERELOAD');
}

export function check(cmd: string, stagePath: string, dest: string, ctx: CommandContext): Promise<void> {
  return runStep('check', expandCommand('check_cmd', cmd, { src: stagePath, dest }), ctx);
}

export function reload(cmd: string, stagePath: string, dest: string, ctx: CommandContext): Promise<void> {
  return runStep('reload', expandCommand('reload_cmd', cmd, { src: stagePath, dest }), ctx);
}

// ---- install -----------------------------------------------------------------------------------------------------

/**
 * Renames the stage file over dest. Where rename fails with EBUSY (dest is a bind mount, e.g. a file mounted into a
 * container) it writes dest in place instead, as confd does; that write is not atomic, which is why it is only a
 * fallback. Returns dest's new state.
 */
export function install(stagePath: string, dest: string, content: string, target: Target, log: Logger): FileState {
  try {
    renameSync(stagePath, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EBUSY') {
      removeQuietly(stagePath);
      throw new ResourceError(`cannot rename ${stagePath} to ${dest}: ${(e as Error).message}`, 'install', 'ERENAME', { cause: e });
    }
    log.debug('Rename failed - target is likely a mount. Trying to write instead');
    try {
      const fd = openSync(dest, 'w', target.mode);
      try {
        writeAll(fd, content);
        fchmodSync(fd, target.mode);
        if (target.uid !== undefined || target.gid !== undefined) fchownSync(fd, target.uid ?? -1, target.gid ?? -1);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e2) {
      throw new ResourceError(`cannot write ${dest} in place: ${(e2 as Error).message}`, 'install', 'EWRITE', { cause: e2 });
    } finally {
      removeQuietly(stagePath);
    }
  }
  const st = statDest(dest);
  if (st === undefined) throw new ResourceError(`${dest} vanished right after it was installed`, 'install', 'EVANISHED');
  return st;
}
