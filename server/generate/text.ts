/**
 * Chat-like text from word lists and templates. It only has to look plausible at a glance and vary enough in
 * length and shape (short replies, questions, paragraphs, markdown, code, links) to exercise the UI's rendering
 * and virtual scrolling the way real conversations do.
 */
import type { Random } from './random';

/** `{name}` in a template is replaced by a pick from WORDS[name], recursively. */
const WORDS: Record<string, readonly string[]> = {
  tech: [
    'SQLite',
    'wa-sqlite',
    'OPFS',
    'IndexedDB',
    'the service worker',
    'Solid',
    'Vite',
    'TypeScript',
    'Rust',
    'Go',
    'Postgres',
    'WebAssembly',
    'CRDTs',
    'Automerge',
    'Yjs',
    'the sync engine',
    'SSE',
    'WebSockets',
    'Node 20',
    'Fastify',
    'the materialiser',
    'FTS5',
    'the virtual list',
    'Playwright',
    'vitest',
    'Docker',
    'Nix',
    'atproto',
    'the PDS',
    'Leaf',
    'the event log',
    'triggers',
    'JSON1',
    'the query planner',
    'BroadcastChannel',
    'SharedWorker',
  ],
  problem: [
    'the reconnect loop',
    'slow cold starts',
    'the unread counter drifting',
    'duplicate events after a refresh',
    'scroll jumping when images load',
    'a memory leak in the tab',
    'the migration on older browsers',
    'flaky e2e tests',
    'timezone bugs',
    'the 300 ms input lag',
    'lock contention between tabs',
    'huge rooms',
    'stale caches after deploys',
    'ordering when two tabs write',
    'the empty state flicker',
    'search ranking',
  ],
  thing: [
    'build',
    'sidebar',
    'search',
    'message list',
    'composer',
    'login flow',
    'sync',
    'devtools panel',
    'schema',
    'release',
    'benchmark',
    'landing page',
    'docs',
    'API',
    'notifications',
    'offline mode',
    'emoji picker',
  ],
  adj: [
    'much faster',
    'surprisingly simple',
    'a bit fragile',
    'really solid',
    'way too slow',
    'good enough',
    'confusing',
    'neat',
    'broken on Firefox',
    'fine on mobile',
    'cleaner',
    'wild',
    'underrated',
    'overkill',
  ],
  Adj: ['Heads up', 'Update', 'Quick note', 'PSA', 'Good news', 'Reminder', 'TIL', 'Question', 'Idea', 'FYI'],
  verb: [
    'cache',
    'index',
    'batch',
    'debounce',
    'profile',
    'virtualise',
    'migrate',
    'shard',
    'stream',
    'replay',
    'compact',
    'prefetch',
    'benchmark',
    'refactor',
    'test',
    'ship',
    'split',
    'rewrite',
  ],
  object: [
    'the reactions table',
    'every room',
    'the whole log',
    'the first page',
    'unread counts',
    'old messages',
    'the events',
    'profile pictures',
    'the search index',
    'the sidebar query',
    'a million rows',
    'the bundle',
  ],
  time: [
    'today',
    'this week',
    'tonight',
    'tomorrow',
    'after lunch',
    'on Friday',
    'next sprint',
    'soon',
    'this afternoon',
  ],
  person: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'everyone', 'folks'],
  short: [
    'lol',
    'nice!',
    '+1',
    'same here',
    'agreed',
    'oh wow',
    'thanks!',
    'ha, classic',
    'yes please',
    'on it',
    'good catch',
    'makes sense',
    'brb',
    'hmm',
    'interesting',
    'love this',
    'ship it',
    'not sure tbh',
    'nope',
    'ok that works',
    'wait what',
    'can confirm',
    'gm',
    'congrats!',
    '🎉',
    '👀',
    'done ✅',
    'LGTM',
  ],
  greeting: ['hey all', 'morning!', 'hi everyone 👋', 'hello hello', 'evening folks', 'yo', 'hey team'],
  code: [
    'PRAGMA journal_mode=WAL',
    'SELECT count(*) FROM messages',
    'npm run build',
    'git rebase -i main',
    'EXPLAIN QUERY PLAN',
    'navigator.storage.persist()',
    'CREATE INDEX ON messages(room, id)',
    'await db.exec(sql)',
    'npx vitest run',
    'structuredClone(event)',
    'new BroadcastChannel("sync")',
    'VACUUM',
    'ulid()',
    'requestIdleCallback',
    'ANALYZE',
    'export const x = 1',
  ],
  slug: [
    'sqlite-wasm-notes',
    'virtual-lists',
    'local-first',
    'event-sourcing-101',
    'opfs-benchmarks',
    'designing-sync',
    'fts5-ranking',
    'service-workers-explained',
    'crdt-primer',
    'release-notes',
  ],
  site: ['example.com', 'docs.example.org', 'blog.example.net', 'sqlite.org', 'developer.mozilla.org'],
  number: ['2', '3', '5', '10', '40', '100', '250', '1k', '20k', '126k'],
  emojiText: ['🙂', '😅', '🚀', '🔥', '🙏', '💯', '🤔', '✨', ':)', ':D'],
};

const TEMPLATES: readonly string[] = [
  '{greeting}',
  '{short}',
  '{short}',
  '{short} {emojiText}',
  'has anyone tried {tech} with {tech}?',
  'how do you all handle {problem}?',
  'is there a way to {verb} {object} without touching {tech}?',
  'just pushed a fix for {problem}',
  'I think {tech} is {adj} for this',
  'the new {thing} is {adj}',
  'heads up: the {thing} will be down for a bit {time}',
  '{Adj}: the {thing} is {adj} now',
  '**{Adj}**: {tech} now handles {problem}',
  'try `{code}` and see if it helps',
  'what does `{code}` print for you?',
  'wrote up some notes: https://{site}/{slug}',
  'this is relevant: https://{site}/{slug} {emojiText}',
  '@{person} can you take a look at the {thing} {time}?',
  'we should {verb} {object} before we {verb} the {thing}',
  'I measured it: {number} ms with {tech}, {number} ms without',
  'the {thing} feels {adj} since we started to {verb} {object}',
  "I'll {verb} {object} {time}, then we can compare",
  'anyone else seeing {problem} {time}?',
  'ok, {tech} + {tech} works. {tech} was the missing piece',
  'reminder that {problem} is still open, if anyone wants a _fun_ one',
  "honestly {tech} is {adj}, but it's what we have",
  'pairing on the {thing} {time} if someone wants to join',
];

/** Templates that read as a sentence (not greetings or one-word answers). */
const SENTENCE_TEMPLATES = TEMPLATES.slice(4);

/** Longer forms: a few sentences, a list, or a fenced code block. */
const PARAGRAPHS: readonly ((r: Random) => string)[] = [
  (r) => `${sentences(r, r.range(3, 5))}`,
  (r) =>
    `${fill(r, 'Plan for the {thing}:')}\n- ${fill(r, '{verb} {object}')}\n- ${fill(r, '{verb} {object}')}\n- ${fill(r, 'fix {problem}')}`,
  (r) =>
    `${fill(r, 'this is what I ran:')}\n\`\`\`\n${fill(r, '{code}')}\n${fill(r, '{code}')}\n\`\`\`\n${fill(r, 'and {tech} is {adj} now')}`,
  (r) => `${fill(r, '> {problem}')}\n\n${sentences(r, 2)}`,
];

/** Templates split once into [text, key, text, key, …, text]: a regex replace per message was the hot spot. */
const compiled = new Map<string, string[]>();

export function fill(r: Random, template: string, depth = 0): string {
  let parts = compiled.get(template);
  if (!parts) compiled.set(template, (parts = template.split(/\{(\w+)\}/)));
  if (parts.length === 1) return template;
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const words = i % 2 === 1 ? WORDS[part] : undefined;
    if (i % 2 === 0) out += part;
    else out += words && depth < 4 ? fill(r, r.pick(words), depth + 1) : `{${part}}`;
  }
  return out;
}

function sentences(r: Random, count: number): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = fill(r, r.pick(SENTENCE_TEMPLATES));
    parts.push(s.charAt(0).toUpperCase() + s.slice(1) + (/[?!.]$/.test(s) ? '' : '.'));
  }
  return parts.join(' ');
}

/** One chat message's markdown body: mostly a line, sometimes a few sentences, rarely a long structured post. */
export function chatMessage(r: Random): string {
  const shape = r.next();
  if (shape < 0.72) return fill(r, r.pick(TEMPLATES));
  if (shape < 0.93) return sentences(r, r.range(2, 3));
  return r.pick(PARAGRAPHS)(r);
}

/** A correction, as message.edit bodies tend to be. */
export function editedMessage(r: Random, body: string): string {
  return r.chance(0.5)
    ? `${body} (edit: ${fill(r, 'see also https://{site}/{slug}')})`
    : `${body} — ${fill(r, '{short}')}`;
}

const CATEGORY_NAMES = [
  'Welcome',
  'Engineering',
  'Community',
  'Design',
  'Events',
  'Help',
  'Projects',
  'Off-topic',
  'Research',
  'Ops',
  'Product',
  'Archive',
  'Meta',
  'Learning',
  'Showcase',
  'Local groups',
];
const CHANNEL_WORDS = [
  'general',
  'random',
  'help',
  'frontend',
  'backend',
  'sqlite',
  'design',
  'sync',
  'search',
  'perf',
  'releases',
  'bugs',
  'ideas',
  'music',
  'books',
  'games',
  'rust',
  'typescript',
  'testing',
  'infra',
  'mobile',
  'a11y',
  'docs',
  'jobs',
  'meetups',
  'memes',
  'pets',
  'food',
  'photos',
  'feedback',
  'security',
  'data',
  'ai',
  'hardware',
];
const THREAD_TOPICS = [
  'Launch plan',
  'Bug: sync stalls on reconnect',
  'Release 0.{number} checklist',
  'Naming things',
  'Weekly sync notes',
  'Benchmarks for {tech}',
  'Postmortem: {problem}',
  'Proposal: {verb} {object}',
  'Reading group',
  'Onboarding',
];

export function categoryName(index: number): string {
  const base = CATEGORY_NAMES[index % CATEGORY_NAMES.length] as string;
  return index < CATEGORY_NAMES.length ? base : `${base} ${Math.floor(index / CATEGORY_NAMES.length) + 1}`;
}

export function channelName(r: Random, index: number): string {
  if (index < CHANNEL_WORDS.length) return CHANNEL_WORDS[index] as string;
  return `${r.pick(CHANNEL_WORDS)}-${r.pick(CHANNEL_WORDS)}-${index}`;
}

export function threadName(r: Random): string {
  return fill(r, r.pick(THREAD_TOPICS));
}

const FIRST_NAMES = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'niaj',
  'olivia',
  'peggy',
  'rupert',
  'sybil',
  'trent',
  'victor',
  'walter',
  'yusuf',
  'zoe',
  'amara',
  'bruno',
  'chen',
  'dara',
  'emeka',
  'farah',
  'goran',
  'hana',
  'iker',
  'jonas',
  'kiri',
  'leila',
  'mateo',
  'noor',
  'oskar',
  'priya',
  'quinn',
  'rosa',
  'sami',
  'tomas',
  'uma',
  'vera',
  'wen',
  'ximena',
  'yara',
  'zeno',
];
const LAST_NAMES = [
  'Anderson',
  'Baker',
  'Castillo',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Müller',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Quist',
  'Rossi',
  'Silva',
  'Tanaka',
  'Usman',
  'Varga',
  'Williams',
  'Xu',
  'Yilmaz',
  'Zhang',
];
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export interface Person {
  did: string;
  displayName: string;
}

/**
 * The i-th user: the classic cast first (did:plc:alice, did:plc:bob, …), then random-looking did:plc ids (24
 * base32 characters, like real ones).
 */
export function person(r: Random, index: number): Person {
  const first = index < FIRST_NAMES.length ? (FIRST_NAMES[index] as string) : r.pick(FIRST_NAMES);
  const display = first.charAt(0).toUpperCase() + first.slice(1);
  const displayName = r.chance(0.6) || index < 6 ? `${display} ${r.pick(LAST_NAMES)}` : display;
  if (index < FIRST_NAMES.length) return { did: `did:plc:${first}`, displayName };
  let id = '';
  for (let i = 0; i < 24; i++) id += BASE32.charAt(r.int(32));
  return { did: `did:plc:${id}`, displayName };
}

export const EMOJIS = ['👍', '❤️', '😂', '🎉', '👀', '🚀', '🔥', '💯', '🙏', '✅', '😮', '🤔'] as const;
