/**
 * A real event server for e2e tests: its own process, its own fresh data folder, its own port. Tests stop and
 * restart it to check what the app does without a server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppendResponse, EventsPage, StreamsList } from '../protocol/api';
import type { RoomyEvent } from '../protocol/events';

/** A TCP port that was free a moment ago (for a server or a driver to listen on). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface TestServerOptions {
  /** A data folder to serve (e.g. a generated space); it is kept by dispose(). Default: a fresh temp folder. */
  dataDir?: string;
  /** The built app to serve; default $ROOMY_DIST or dist. Changeable between stop() and start(). */
  staticDir?: string;
  /** Generate a space into the data folder before the first start (`npm run generate`), e.g. Roomy's largest. */
  generate?: { preset: 'demo' | 'small' | 'roomy-largest'; seed: number };
}

/** Runs the data generator's command line into a data folder (the server must not be running on it). */
async function generateInto(dataDir: string, { preset, seed }: { preset: string; seed: number }) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/generate/cli.ts', '--preset', preset, '--seed', String(seed), '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`generating ${preset} failed (${code}): ${output}`);
}

export class TestServer {
  private process: ChildProcess | null = null;
  staticDir: string;
  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    staticDir?: string,
  ) {
    this.staticDir = staticDir ?? process.env.ROOMY_DIST ?? 'dist';
  }

  static async start(options: TestServerOptions = {}): Promise<TestServer> {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'roomy-e2e-'));
    const server = new TestServer(await freePort(), dataDir, !options.dataDir, options.staticDir);
    if (options.generate) await generateInto(dataDir, options.generate);
    await server.start();
    return server;
  }

  get url() {
    return `http://localhost:${this.port}`;
  }

  async start() {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/main.ts',
        '--port',
        String(this.port),
        '--data-dir',
        this.dataDir,
        '--static',
        this.staticDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } },
    );
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    this.process = child;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`event server exited: ${output}`);
      try {
        if ((await fetch(`${this.url}/api/health`)).ok) return;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`event server did not start: ${output}`);
  }

  async stop() {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    this.process = null;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  async dispose() {
    await this.stop();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  async streams(): Promise<StreamsList['streams']> {
    return ((await (await fetch(`${this.url}/api/streams`)).json()) as StreamsList).streams;
  }

  async events(stream: string): Promise<RoomyEvent[]> {
    const all: RoomyEvent[] = [];
    for (let after = 0; ;) {
      const page = (await (
        await fetch(`${this.url}/api/streams/${stream}/events?after=${after}&limit=10000`)
      ).json()) as EventsPage;
      all.push(...page.events);
      if (!page.hasMore || !page.events.length) return all;
      after = page.events[page.events.length - 1]!.seq!;
    }
  }

  async append(stream: string, events: unknown[]): Promise<AppendResponse> {
    const response = await fetch(`${this.url}/api/streams/${stream}/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(events),
    });
    if (!response.ok) throw new Error(`append failed: ${response.status} ${await response.text()}`);
    return (await response.json()) as AppendResponse;
  }
}
