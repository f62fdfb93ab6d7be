/** Progress on stderr, with the seconds since the run started. */
const started = performance.now();

export function progress(message: string) {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}
