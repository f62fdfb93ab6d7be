/** Where a run happened: the results table is meaningless without the machine and the browsers' versions. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';

export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  commit: string;
  /** Load average over the last minute when the run started: a busy machine makes every figure slower. */
  load: number;
  browsers: Record<string, string>;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function describeMachine(): Machine {
  const commit = git(['rev-parse', '--short', 'HEAD']);
  // Untracked files (a worktree's node_modules link, --keep folders) change no measured code.
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : '';
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    commit: commit ? commit + dirty : 'unknown',
    load: Math.round(loadavg()[0]! * 100) / 100,
    browsers: {},
  };
}
