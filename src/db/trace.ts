/** The latest messages between this tab and the host, kept in debug mode for the devtools' message log. */
import type { Message } from '../../protocol/messages';

export interface TracedMessage {
  at: number;
  direction: 'out' | 'in';
  message: Message;
}

const KEEP = 300;

export class MessageTrace {
  private readonly entries: TracedMessage[] = [];
  private readonly listeners = new Set<(entry: TracedMessage) => void>();

  record(direction: 'out' | 'in', message: Message) {
    const entry = { at: Date.now(), direction, message };
    this.entries.push(entry);
    if (this.entries.length > KEEP) this.entries.shift();
    for (const listener of this.listeners) listener(entry);
  }

  list(): TracedMessage[] {
    return [...this.entries];
  }

  subscribe(listener: (entry: TracedMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
