/**
 * Child processes of a run (builds, the data generator). Their output goes to stderr: stdout carries only the
 * result lines.
 */
import { spawn } from 'node:child_process';
import { progress } from './progress';

export async function runStep(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    process.stderr.write(output);
    throw new Error(`${label} failed (exit ${code})`);
  }
  progress(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return output;
}
