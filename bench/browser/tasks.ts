/**
 * What the benchmark pages can run, in whichever context receives the request (the page itself, a dedicated worker
 * or a SharedWorker): the same code everywhere, so that only the context differs.
 */
import { defaultVfs } from '../../db-worker/config';
import { canRun, VFS_CATALOG, type VfsName } from '../../db-worker/sqlite/open-browser';
import { runEngine, type EngineOptions } from './engine-bench';
import { measureProtocol, type ProtocolOptions } from './protocol-bench';
import { runVfs, type VfsRunOptions } from './raw-vfs';

export interface Tasks {
  /** The VFSs this context can run, and the one the app's host would pick here (`strategy` names the context). */
  vfsNames: { args: { strategy: 'main' | 'dedicated' | 'shared' }; result: { names: VfsName[]; appDefault: VfsName } };
  vfs: { args: VfsRunOptions; result: Awaited<ReturnType<typeof runVfs>> };
  protocol: { args: ProtocolOptions; result: ReturnType<typeof measureProtocol> };
  engine: { args: EngineOptions; result: Awaited<ReturnType<typeof runEngine>> };
}
export type TaskName = keyof Tasks;

export async function runTask<T extends TaskName>(
  task: T,
  args: Tasks[T]['args'],
  onProgress: (message: string) => void,
): Promise<Tasks[T]['result']> {
  switch (task) {
    case 'vfsNames': {
      const names = (Object.keys(VFS_CATALOG) as VfsName[]).filter(canRun);
      const { strategy } = args as Tasks['vfsNames']['args'];
      return { names, appDefault: defaultVfs(strategy) } as Tasks[T]['result'];
    }
    case 'vfs':
      return (await runVfs(args as VfsRunOptions)) as Tasks[T]['result'];
    case 'protocol':
      return measureProtocol(args as ProtocolOptions) as Tasks[T]['result'];
    case 'engine':
      return (await runEngine(args as EngineOptions, onProgress)) as Tasks[T]['result'];
    default:
      throw new Error(`unknown task ${String(task)}`);
  }
}

/** Messages between the page and its workers. */
export type TaskRequest = { id: number; task: TaskName; args: unknown } | { close: true };
export type TaskReply =
  | { id: number; progress: string }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };

/** Serves task requests arriving on a port (a worker's global scope or a SharedWorker's port). */
export function serveTasks(
  port: {
    postMessage(message: TaskReply): void;
    onmessage: ((event: MessageEvent<TaskRequest>) => void) | null;
  },
  close: () => void,
) {
  port.onmessage = async ({ data }) => {
    if ('close' in data) {
      close();
      return;
    }
    const { id, task, args } = data;
    try {
      const result = await runTask(task, args as never, (progress) => port.postMessage({ id, progress }));
      port.postMessage({ id, ok: true, result });
    } catch (error) {
      port.postMessage({
        id,
        ok: false,
        error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error),
      });
    }
  };
}
