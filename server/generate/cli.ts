/**
 * Generates a space and appends it to the event store on disk.
 *
 *   npx tsx server/generate/cli.ts --preset roomy-largest --seed 1 [--rooms N] [--messages N] [--users N] [--data-dir ./data]
 *
 * Run it while the server is stopped, or accept that open tails see the new stream only after a reconnect: the
 * server's in-process notifications do not cross processes. (SQLite's WAL keeps the two writers safe.)
 */
import { parseArgs } from 'node:util';
import { openEventStore } from '../event-store';
import { loadEvents } from './load';
import { PRESET_NAMES, isPresetName } from './presets';
import type { GenerateOptions } from './presets';
import { generateSpace } from './space';

const USAGE = `usage: tsx server/generate/cli.ts [--preset ${PRESET_NAMES.join('|')}] [--seed N] [--rooms N] [--messages N] [--users N] [--data-dir DIR]`;

function main(): void {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'demo' },
      seed: { type: 'string', default: '1' },
      rooms: { type: 'string' },
      messages: { type: 'string' },
      users: { type: 'string' },
      'data-dir': { type: 'string', default: process.env.DATA_DIR ?? './data' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!isPresetName(values.preset)) throw new Error(`unknown preset ${values.preset}\n${USAGE}`);
  const options: GenerateOptions = {
    preset: values.preset,
    seed: integer('seed', values.seed),
    rooms: integer('rooms', values.rooms),
    messages: integer('messages', values.messages),
    users: integer('users', values.users),
  };

  const started = performance.now();
  const store = openEventStore(values['data-dir']);
  try {
    const result = loadEvents(store, generateSpace(options));
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const counts = Object.entries(result.countsByType)
      .map(([type, n]) => `${type} ${n}`)
      .join(', ');
    console.log(`stream ${result.stream} (${values.preset}, seed ${options.seed}) in ${store.path}`);
    console.log(`${result.events} events generated, ${result.added} new, head ${result.head}, ${seconds} s`);
    console.log(counts);
    if (result.rejected.length > 0) {
      console.error(`${result.rejected.length} rejected, first: ${JSON.stringify(result.rejected[0])}`);
      process.exitCode = 1;
    }
  } finally {
    store.close();
  }
}

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`--${name} must be an integer, got ${JSON.stringify(value)}`);
  return n;
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
}
