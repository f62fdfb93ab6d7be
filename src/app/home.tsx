import { useNavigate } from '@solidjs/router';
import { Show, createEffect } from 'solid-js';
import { getDb } from '../db';
import { createQuery } from '../db/create-query';
import { spacesQuery, type SpaceRow } from './queries';
import { storage } from './space-context';

const LAST_SPACE_KEY = 'roomy.lastSpace';

/** `/` (and unknown paths): opens the space last visited, else the first one, as soon as the local database has one. */
export function Home() {
  const navigate = useNavigate();
  const spaces = createQuery<SpaceRow>(getDb(), spacesQuery);
  createEffect(() => {
    const list = spaces();
    if (!list.length) return;
    const last = storage.get(LAST_SPACE_KEY);
    const target = list.find((s) => s.id === last) ?? list[0]!;
    navigate(`/space/${target.id}`, { replace: true });
  });
  return (
    <main class="home">
      <Show when={!spaces.loading()} fallback={<p class="loading">Opening the local database…</p>}>
        <p class="empty">No space yet: waiting for the server…</p>
      </Show>
    </main>
  );
}

export const rememberSpace = (space: string) => storage.set(LAST_SPACE_KEY, space);
