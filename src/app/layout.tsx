import { A, useLocation, type RouteSectionProps } from '@solidjs/router';
import { ErrorBoundary, For, Show, createMemo, createSignal, lazy, onCleanup, onMount, Suspense } from 'solid-js';
import { getDb } from '../db';
import { createQuery } from '../db/create-query';
import { SyncIndicators } from '../sync/SyncIndicators';
import { Avatar } from './components/Avatar';
import { IdentityDialog } from './components/IdentityDialog';
import { Problem } from './components/Problem';
import { initials } from './format';
import { currentUser } from './identity';
import { PeopleContext, createPeople, usePeople } from './people';
import { spacesQuery, type SpaceRow } from './queries';

// The devtools are loaded when first opened: most users never do.
const DevtoolsPanel = lazy(() => import('./devtools/DevtoolsPanel'));

/** Alt+Shift+D opens and closes the devtools (no browser uses it). */
const DEVTOOLS_SHORTCUT = 'Alt+Shift+D';
const isDevtoolsShortcut = (e: KeyboardEvent) =>
  e.altKey && e.shiftKey && !e.ctrlKey && !e.metaKey && e.code === 'KeyD';

/** The space a URL is in, for the parts of the page outside the space's own routes. */
export function spaceOfPath(path: string): string | undefined {
  return /^\/space\/([0-9A-HJKMNP-TV-Z]{26})(?:\/|$)/.exec(path)?.[1];
}

/** Every page: the top bar, the spaces rail, the page itself, and the devtools when open. */
export function Layout(props: RouteSectionProps) {
  const people = createPeople();
  const [devtools, setDevtools] = createSignal(new URLSearchParams(location.search).get('devtools') === '1');
  const toggleDevtools = () => setDevtools((open) => !open);

  onMount(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isDevtoolsShortcut(e)) {
        e.preventDefault();
        toggleDevtools();
      }
    };
    window.addEventListener('keydown', onKey);
    onCleanup(() => window.removeEventListener('keydown', onKey));
  });

  return (
    <PeopleContext.Provider value={people}>
      <div class="app" classList={{ 'with-devtools': devtools() }}>
        <a class="skip-link" href="#main-content">
          Skip to the messages
        </a>
        <TopBar devtoolsOpen={devtools()} onToggleDevtools={toggleDevtools} />
        <div class="app-body">
          <ErrorBoundary fallback={(error) => <Problem error={error} where="The list of spaces" />}>
            <SpaceRail />
          </ErrorBoundary>
          <div class="page" id="main-content">
            <ErrorBoundary fallback={(error, reset) => <Problem error={error} where="This page" reset={reset} />}>
              {props.children}
            </ErrorBoundary>
          </div>
          <Show when={devtools()}>
            <ErrorBoundary fallback={(error) => <Problem error={error} where="The devtools" />}>
              <Suspense fallback={<aside class="devtools">Loading the devtools…</aside>}>
                <DevtoolsPanel onClose={() => setDevtools(false)} />
              </Suspense>
            </ErrorBoundary>
          </Show>
        </div>
      </div>
    </PeopleContext.Provider>
  );
}

function TopBar(props: { devtoolsOpen: boolean; onToggleDevtools: () => void }) {
  const people = usePeople();
  const location = useLocation();
  const [identityOpen, setIdentityOpen] = createSignal(false);
  return (
    <header class="topbar">
      <A class="brand" href="/" aria-label="Roomy, home">
        <img src="/logo.svg" alt="" width="24" height="24" />
        <span>Roomy</span>
      </A>
      <SyncIndicators />
      <button
        type="button"
        class="topbar-button"
        aria-pressed={props.devtoolsOpen}
        aria-keyshortcuts={DEVTOOLS_SHORTCUT}
        title={`Devtools (${DEVTOOLS_SHORTCUT})`}
        onClick={() => props.onToggleDevtools()}
      >
        Devtools
      </button>
      <button
        type="button"
        class="topbar-button identity-button"
        aria-haspopup="dialog"
        onClick={() => setIdentityOpen(true)}
      >
        <Avatar user={currentUser()} size="small" />
        <span class="identity-name">{people.nameOf(currentUser())}</span>
        <span class="visually-hidden">: switch identity or edit profile</span>
      </button>
      <Show when={identityOpen()}>
        <IdentityDialog space={spaceOfPath(location.pathname)} onClose={() => setIdentityOpen(false)} />
      </Show>
    </header>
  );
}

/** The spaces in the local database, as a rail of initials. */
function SpaceRail() {
  const spaces = createQuery<SpaceRow>(getDb(), spacesQuery);
  const location = useLocation();
  const current = createMemo(() => spaceOfPath(location.pathname));
  return (
    <nav class="space-rail" aria-label="Spaces">
      <ul>
        <For each={spaces()}>
          {(space) => (
            <li>
              <A
                class="space-link"
                href={`/space/${space.id}`}
                aria-current={current() === space.id ? 'page' : undefined}
                title={space.name}
              >
                <span aria-hidden="true">{initials(space.name)}</span>
                <span class="visually-hidden">{space.name}</span>
              </A>
            </li>
          )}
        </For>
      </ul>
    </nav>
  );
}
