// Resource figures of a running process from /proc (Linux): peak resident set and CPU time.

import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, totalmem, availableParallelism, loadavg } from 'node:os';

/** The 1-minute load average: on a shared machine, figures taken under load are not comparable. */
export function loadAverage(): number {
  return loadavg()[0] ?? 0;
}

/** Peak resident set size (VmHWM) in bytes, or undefined when the process is gone. */
export function peakRss(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

let clockTicks: number | undefined;
/** Clock ticks per second (USER_HZ) that /proc/PID/stat counts in. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU time of the process (all its threads) in milliseconds, or undefined when it is gone. */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces or ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return ((utime + stime) * 1000) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** The process that does the work: `pid` itself, or its first `node` descendant when `pid` is a wrapper. */
export function nodeProcess(pid: number): number {
  const comm = (p: number): string => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim();
    } catch {
      return '';
    }
  };
  let current = pid;
  for (let depth = 0; depth < 4 && comm(current) !== 'node'; depth++) {
    let children: string[];
    try {
      children = readFileSync(`/proc/${current}/task/${current}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      break;
    }
    const first = children[0];
    if (first === undefined) break;
    current = Number(first);
  }
  return comm(current) === 'node' ? current : pid;
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memory: string;
  readonly node: string;
  readonly kernel: string;
}

export function machineInfo(): MachineInfo {
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // not Linux
  }
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    kernel,
  };
}
