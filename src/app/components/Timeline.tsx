import { createVirtualizer } from '@tanstack/solid-virtual';
import {
  For,
  Show,
  createComputed,
  createEffect,
  createMemo,
  createSignal,
  on,
  onCleanup,
  onMount,
  untrack,
  type Accessor,
} from 'solid-js';
import type { MessageRow } from '../queries';
import type { Timeline as TimelineData } from '../timeline/create-timeline';
import { keepRendered, type RenderedRange } from '../timeline/window';
import { MessageItem } from './MessageItem';

/** A guess for messages not measured yet; measured sizes replace it (and are kept by message id). */
const ESTIMATED_HEIGHT = 72;
/** Height of the header above the first message ("beginning of the room" / "loading older…"). */
const HEADER_HEIGHT = 56;
/** Distance from the top, in pixels, at which older messages are fetched. */
const LOAD_OLDER_WITHIN = 800;

const SCROLL_KEYS = new Set(['ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End', ' ']);

const sameItems = <T,>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** A derived value that follows `compute`, updated at most once per microtask with its latest value. */
function settled(compute: () => number): Accessor<number> {
  const [value, setValue] = createSignal(untrack(compute));
  let scheduled = false;
  createComputed(() => {
    compute();
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      setValue(untrack(compute));
    });
  });
  return value;
}

export interface TimelineView {
  /** Goes to the newest message and stays there as more arrive (after the reader sends one, say). */
  scrollToEnd(): void;
}

/**
 * The messages of a room, virtualised: only the messages near the viewport are in the DOM, between two spacers
 * that stand for the others. Messages are laid out in normal flow (no per-message positioning), so a message that
 * grows or shrinks moves the ones below it without touching their DOM; the spacers depend only on messages that are
 * not rendered. The rendered range has hysteresis (see window.ts), and the virtualizer is anchored at the end:
 * older messages load above without moving what the reader sees, and new ones are followed only when the reader
 * is at the bottom.
 */
export function Timeline(props: {
  data: TimelineData;
  roomName: string;
  onAtBottom: (atBottom: boolean) => void;
  onRendered: (messages: MessageRow[], followsEnd: boolean) => void;
  ref?: (view: TimelineView) => void;
}) {
  let scroller!: HTMLDivElement;
  let list!: HTMLOListElement;
  const shown = () => props.data.shown();
  const indexById = createMemo(() => new Map(shown().map((m, i) => [m.id, i])));

  let rendered: RenderedRange | null = null;
  let stick = true;
  // Not 0: performance.now() starts at navigation, so a timeline mounted in the page's first second would take
  // its own opening scroll for the reader's and stop following the newest message.
  let userScrolledAt = -Infinity;
  const userScrolls = () => (userScrolledAt = performance.now());
  const [followsEnd, setFollowsEnd] = createSignal(true);

  const virtualizer = createVirtualizer({
    get count() {
      return shown().length;
    },
    getScrollElement: () => scroller,
    estimateSize: () => ESTIMATED_HEIGHT,
    // Exact heights, not rounded ones (the default): messages are laid out in flow, one after the other, so the
    // rounding errors of thirty messages would add up to a visible gap between where the virtualizer thinks the
    // end is and where it is.
    measureElement: (element, entry) => entry?.borderBoxSize[0]?.blockSize ?? element.getBoundingClientRect().height,
    getItemKey: (index) => untrack(shown)[index]?.id ?? index,
    paddingStart: HEADER_HEIGHT,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: 48,
    rangeExtractor: (range) => {
      const list = untrack(shown);
      const ids = untrack(indexById);
      const kept = keepRendered(
        rendered,
        range,
        (i) => list[i]!.id,
        (key) => ids.get(key),
        { extra: 12, margin: 3 },
      );
      rendered = kept.range;
      queueMicrotask(() => setFollowsEnd(kept.range?.followsEnd ?? true));
      const out: number[] = [];
      for (let i = kept.start; i <= kept.end; i++) out.push(i);
      return out;
    },
    onChange: (instance) => {
      const atEnd = instance.isAtEnd();
      // Reading the newest messages: stay there as more arrive. Only the reader scrolling away ends it (not a
      // burst of messages that lands before the view could follow).
      if (atEnd) stick = true;
      else if (performance.now() - userScrolledAt < 1_000) stick = false;
      props.onAtBottom(atEnd);
      // Older messages load when the reader scrolls near the top (not when the view passes by it while opening).
      const readerScrolled = performance.now() - userScrolledAt < 1_000;
      if (readerScrolled && scroller && scroller.scrollTop < LOAD_OLDER_WITHIN && props.data.hasOlder())
        props.data.loadOlder();
    },
  });

  const items = () => virtualizer.getVirtualItems();
  // Messages by the virtualizer's keys, so that a stale index can never pair an item with another message.
  const renderedRows = createMemo(
    () => {
      const byId = indexById();
      const list = shown();
      const out: MessageRow[] = [];
      for (const item of items()) {
        const at = byId.get(item.key as string);
        if (at !== undefined) out.push(list[at]!);
      }
      return out;
    },
    [],
    { equals: sameItems },
  );
  // The virtualizer updates its items and its total size one after the other, outside any batch: read together at
  // once, they could give a spacer a height for a moment that is wrong. So the spacers take their final value once
  // per microtask (still before the next paint).
  const topSpace = settled(() => Math.max(0, (items()[0]?.start ?? HEADER_HEIGHT) - HEADER_HEIGHT));
  const bottomSpace = settled(() => {
    const all = items();
    const last = all[all.length - 1];
    return last ? Math.max(0, virtualizer.getTotalSize() - last.end) : 0;
  });

  createEffect(() => props.onRendered(renderedRows(), followsEnd()));

  // While the reader stays at the newest messages, follow any change to the list, not only a new newest message:
  // messages sort by id (a ULID minted by the sender), so ones from a sender whose clock is behind, or a backlog a
  // restarted database host applies, land before the newest. The virtualizer keeps the top message in place for
  // those, and the end would drift out of view while the newest message stays the same.
  createEffect(
    on(
      shown,
      () => {
        if (stick) virtualizer.scrollToEnd();
      },
      { defer: true },
    ),
  );

  onMount(() => {
    // While the reader stays at the newest message, keep the view at the bottom of what is laid out when messages
    // change size (a reaction row appears, a side pane narrows the timeline): the virtualizer's corrections can
    // leave it a few pixels short. Done a frame later, once the virtualizer's own corrections are in.
    let frame = 0;
    const pin = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const gap = scroller.scrollHeight - scroller.clientHeight - scroller.scrollTop;
        if (stick && gap > 0.5 && !props.data.loadingOlder()) virtualizer.scrollToEnd();
      });
    });
    pin.observe(list);
    onCleanup(() => {
      pin.disconnect();
      cancelAnimationFrame(frame);
    });
    props.ref?.({
      scrollToEnd: () => {
        stick = true;
        virtualizer.scrollToEnd();
      },
    });
    // Open at the newest message (the timeline is mounted once there are messages).
    requestAnimationFrame(() => virtualizer.scrollToEnd());
  });

  const measure = (el: HTMLElement) => queueMicrotask(() => el.isConnected && virtualizer.measureElement(el));

  return (
    <div
      ref={scroller}
      class="timeline-scroller"
      role="log"
      aria-label={`Messages in #${props.roomName}`}
      aria-keyshortcuts="Home End"
      tabIndex={0}
      onWheel={userScrolls}
      onTouchMove={userScrolls}
      onPointerDown={(e) => e.target === scroller && userScrolls() /* the scrollbar, not a click on a message */}
      onKeyDown={(e) => {
        // Keys typed in a message's edit box bubble here too: only the timeline's own scrolling keys count.
        if (e.target !== scroller || !SCROLL_KEYS.has(e.key)) return;
        userScrolls();
        // Home and End jump at once: the browser's smooth keyboard scroll would be cut short by the virtualizer's
        // corrections as messages are measured on the way.
        if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
        if (e.key === 'Home') {
          e.preventDefault();
          virtualizer.scrollToOffset(0);
        } else if (e.key === 'End') {
          e.preventDefault();
          virtualizer.scrollToEnd();
        }
      }}
    >
      <div class="timeline-header" style={{ height: `${HEADER_HEIGHT}px` }}>
        <Show
          when={props.data.hasOlder()}
          fallback={<p class="timeline-start">This is the beginning of #{props.roomName}.</p>}
        >
          <p class="loading-older" aria-live="polite">
            {props.data.loadingOlder() ? 'Loading older messages…' : 'Scroll up for older messages'}
          </p>
        </Show>
      </div>
      <div class="timeline-spacer" style={{ height: `${topSpace()}px` }} aria-hidden="true" />
      <ol ref={list} class="timeline">
        <For each={renderedRows()}>
          {(message) => <MessageItem message={message} index={indexById().get(message.id)} ref={measure} />}
        </For>
      </ol>
      <div class="timeline-spacer" style={{ height: `${bottomSpace()}px` }} aria-hidden="true" />
    </div>
  );
}
