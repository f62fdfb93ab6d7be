import { Show, createSignal } from 'solid-js';
import { hueOf, initials } from '../format';
import { usePeople } from '../people';

/**
 * A person's picture (https only) or their initials on a colour of their own. Decorative: the name is always
 * written next to it, so screen readers skip it.
 */
export function Avatar(props: { user: string; size?: 'small' | 'large' }) {
  const people = usePeople();
  const [broken, setBroken] = createSignal<string | null>(null);
  const url = () => {
    const u = people.avatarOf(props.user);
    return u && u !== broken() ? u : null;
  };
  return (
    <span
      class={`avatar ${props.size ?? ''}`}
      style={{ '--avatar-hue': String(hueOf(props.user)) }}
      aria-hidden="true"
      data-user={props.user}
    >
      <Show when={url()} fallback={initials(people.nameOf(props.user))}>
        {(src) => (
          <img src={src()} alt="" loading="lazy" referrerpolicy="no-referrer" onError={() => setBroken(src())} />
        )}
      </Show>
    </span>
  );
}
