/**
 * `window.bench`: what the harness (bench/run.ts) calls in the benchmark page. Each call names the context to run
 * in: `main` (this page's thread), `dedicated` (a new dedicated worker) or `shared` (a new SharedWorker), which is
 * started for the call and ended after it, so that no measurement inherits another's memory or open files.
 */
import { messageRows, type MessageRow } from './message-rows';
import { runTask, type TaskName, type TaskReply, type TaskRequest, type Tasks } from './tasks';

export type Context = 'main' | 'dedicated' | 'shared';

interface Endpoint {
  port: { postMessage(message: TaskRequest): void; onmessage: ((event: MessageEvent<TaskReply>) => void) | null };
  end(): void;
}

let workers = 0;

function startWorker(context: 'dedicated' | 'shared'): Endpoint {
  const name = `bench-${context}-${++workers}`;
  if (context === 'dedicated') {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name });
    return { port: worker as unknown as Endpoint['port'], end: () => worker.terminate() };
  }
  const worker = new SharedWorker(new URL('./worker.ts', import.meta.url), { type: 'module', name });
  const port = worker.port as unknown as Endpoint['port'];
  return {
    port,
    end: () => {
      port.postMessage({ close: true });
      worker.port.close();
    },
  };
}

async function run<T extends TaskName>(context: Context, task: T, args: Tasks[T]['args']): Promise<Tasks[T]['result']> {
  const log = (message: string) => console.info(`[bench ${context}] ${message}`);
  if (context === 'main') return runTask(task, args, log);
  const endpoint = startWorker(context);
  try {
    return await new Promise<Tasks[T]['result']>((resolve, reject) => {
      endpoint.port.onmessage = ({ data }) => {
        if ('progress' in data) log(data.progress);
        else if (data.ok) resolve(data.result as Tasks[T]['result']);
        else reject(new Error(data.error));
      };
      (endpoint.port as MessagePort).start?.();
      endpoint.port.postMessage({ id: 1, task, args });
    });
  } finally {
    endpoint.end();
  }
}

let rows: MessageRow[] = [];
/** Generated once per page: every context inserts the same rows. */
function rowsFor(count: number): MessageRow[] {
  if (rows.length < count) rows = messageRows(count);
  return rows.slice(0, count);
}

const bench = {
  /** The VFSs each context can run here, and the app's default there; null for a context this browser lacks. */
  async contexts(): Promise<Record<Context, Tasks['vfsNames']['result'] | null>> {
    const result: Record<Context, Tasks['vfsNames']['result'] | null> = { main: null, dedicated: null, shared: null };
    for (const context of ['main', 'dedicated', 'shared'] as const) {
      if (context === 'shared' && typeof SharedWorker === 'undefined') continue;
      result[context] = await run(context, 'vfsNames', { strategy: context });
    }
    return result;
  },
  vfs(context: Context, options: Omit<Tasks['vfs']['args'], 'rows'> & { rowCount: number }) {
    const { rowCount, ...rest } = options;
    return run(context, 'vfs', { ...rest, rows: rowsFor(rowCount) });
  },
  protocol(options: Omit<Tasks['protocol']['args'], 'rows'>) {
    return run('main', 'protocol', { ...options, rows: rowsFor(51) });
  },
  engine(options: Tasks['engine']['args']) {
    return run(options.context, 'engine', options);
  },
};

export type BenchApi = typeof bench;
(window as unknown as { bench: BenchApi }).bench = bench;
