/** The benchmark's worker script, started both as a dedicated worker and as a SharedWorker (bench/browser/main.ts). */
import { serveTasks, type TaskReply, type TaskRequest } from './tasks';

type TaskPort = {
  postMessage(message: TaskReply): void;
  onmessage: ((event: MessageEvent<TaskRequest>) => void) | null;
};
const scope = globalThis as unknown as TaskPort & {
  close(): void;
  onconnect: ((event: MessageEvent) => void) | null;
};

if (typeof (globalThis as { SharedWorkerGlobalScope?: unknown }).SharedWorkerGlobalScope !== 'undefined') {
  scope.onconnect = (event) => {
    const port = event.ports[0]!;
    serveTasks(port as unknown as TaskPort, () => scope.close());
  };
} else {
  serveTasks(scope, () => scope.close());
}
