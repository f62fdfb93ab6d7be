/**
 * The cost of the tab↔host protocol's encoding (superjson strings, protocol/messages.ts) against the browser's
 * structured clone (what postMessage of the plain object would cost), for the messages on the hot path of a write:
 * the write request and its answer, the commit notice every tab gets, and the patches event that updates the
 * screen; and for a subscription's first result (50 timeline rows). Built from real generated messages.
 */
import { decodeMessage, encodeMessage, PROTOCOL_VERSION, type Message } from '../../protocol/messages';
import type { MessageRow } from './message-rows';

export interface ProtocolOptions {
  rows: MessageRow[];
  /** Encode+decode rounds per timing (a single round is below the clock's resolution). */
  iterations: number;
  repeats: number;
}

export interface ProtocolFigure {
  /** Microseconds per message, median over repeats. */
  superjsonUs: number;
  structuredCloneUs: number;
  bytes: number;
}

/** Whether a message is on the path of one local write reaching the screen of the tab that wrote it. */
export const WRITE_PATH = ['write-request', 'write-response', 'commit-event', 'patches-event'] as const;

function timelineRow(row: MessageRow) {
  const [id, room, author, body, replyTo, at] = row;
  return { id, room, author, body, reply_to: replyTo, created_at: at, edited_at: null };
}

/** `rows[0]` is the new message; `rows[1..50]` the room's timeline it enters (the 50th leaves it). */
export function hotMessages(rows: MessageRow[]): Record<string, Message> {
  const first = rows[0]!;
  const [id, room, author, body] = first;
  const v = PROTOCOL_VERSION;
  return {
    'write-request': {
      v,
      t: 'req',
      id: 41,
      method: 'write',
      params: {
        events: [
          { id, stream: room, room, type: 'message.create', user: author, payload: { body } },
          { id: `${id.slice(0, -1)}Z`, stream: room, room, type: 'read.mark', user: author, payload: { upTo: id } },
        ],
      },
    },
    'write-response': {
      v,
      t: 'res',
      id: 41,
      ok: true,
      result: { applied: 2, duplicates: 0, waiting: 0, rejected: [] },
    },
    'commit-event': {
      v,
      t: 'evt',
      name: 'commit',
      data: { tables: ['events', 'messages', 'read_marks', 'local_writes'], at: 1_750_000_000_000 },
    },
    'patches-event': {
      v,
      t: 'evt',
      name: 'patches',
      data: {
        items: [
          { id: 'q3', patch: { removed: [rows[50]![0]], upserted: [{ index: 0, row: timelineRow(first) }] } },
          { id: 'q7', patch: { removed: [], upserted: [{ index: 12, row: { id: room, unread: 0 } }] } },
        ],
      },
    },
    'subscribe-result-50-rows': {
      v,
      t: 'res',
      id: 7,
      ok: true,
      result: { rows: rows.slice(1, 51).map(timelineRow) },
    },
  };
}

function perMessageUs(fn: () => void, iterations: number, repeats: number): number {
  const figures: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    figures.push(((performance.now() - started) * 1000) / iterations);
  }
  figures.sort((a, b) => a - b);
  return figures[Math.floor(figures.length / 2)]!;
}

export function measureProtocol(options: ProtocolOptions): Record<string, ProtocolFigure> {
  const results: Record<string, ProtocolFigure> = {};
  let sink = 0;
  for (const [name, message] of Object.entries(hotMessages(options.rows))) {
    // Warm both paths up first, so that neither pays for the JIT.
    const superjson = () => {
      sink += (decodeMessage(encodeMessage(message)) as { v: number }).v;
    };
    const clone = () => {
      sink += (structuredClone(message) as { v: number }).v;
    };
    perMessageUs(superjson, options.iterations, 1);
    perMessageUs(clone, options.iterations, 1);
    results[name] = {
      superjsonUs: perMessageUs(superjson, options.iterations, options.repeats),
      structuredCloneUs: perMessageUs(clone, options.iterations, options.repeats),
      bytes: encodeMessage(message).length,
    };
  }
  if (sink < 0) console.info(sink); // keeps the work observable
  return results;
}
