import { For, onMount } from 'solid-js';

/** The reactions on offer: Roomy's usual ones. */
export const EMOJIS: readonly { emoji: string; name: string }[] = [
  { emoji: '👍', name: 'thumbs up' },
  { emoji: '❤️', name: 'heart' },
  { emoji: '😂', name: 'laughing' },
  { emoji: '🎉', name: 'party' },
  { emoji: '👀', name: 'eyes' },
  { emoji: '🚀', name: 'rocket' },
  { emoji: '🔥', name: 'fire' },
  { emoji: '💯', name: 'hundred' },
  { emoji: '🙏', name: 'thanks' },
  { emoji: '✅', name: 'check' },
  { emoji: '😮', name: 'wow' },
  { emoji: '🤔', name: 'thinking' },
];

/** A small grid of emoji buttons; Escape or a pick closes it, and arrow keys move between the buttons. */
export function EmojiPicker(props: { onPick: (emoji: string) => void; onClose: () => void }) {
  let grid!: HTMLDivElement;
  onMount(() => grid.querySelector('button')?.focus());
  const buttons = () => [...grid.querySelectorAll('button')];

  return (
    <div
      ref={grid}
      class="emoji-picker"
      role="group"
      aria-label="Pick a reaction"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          props.onClose();
          return;
        }
        const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 6, ArrowUp: -6 }[e.key];
        if (!step) return;
        e.preventDefault();
        const all = buttons();
        const at = all.indexOf(document.activeElement as HTMLButtonElement);
        all[Math.min(all.length - 1, Math.max(0, at + step))]?.focus();
      }}
      onFocusOut={(e) => {
        if (!grid.contains(e.relatedTarget as Node | null)) props.onClose();
      }}
    >
      <For each={EMOJIS}>
        {(item) => (
          <button
            type="button"
            aria-label={`React with ${item.name}`}
            title={item.name}
            onClick={() => props.onPick(item.emoji)}
          >
            {item.emoji}
          </button>
        )}
      </For>
    </div>
  );
}
