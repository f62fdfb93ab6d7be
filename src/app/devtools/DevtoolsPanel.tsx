import { ErrorBoundary, For, Match, Switch, createSignal, type JSX } from 'solid-js';
import { Problem } from '../components/Problem';
import { HostSection } from './HostSection';
import { MessagesSection } from './MessagesSection';
import { RejectedSection } from './RejectedSection';
import { SubscriptionsSection } from './SubscriptionsSection';
import { SyncSection } from './SyncSection';

const TABS = [
  { id: 'host', label: 'Host' },
  { id: 'queries', label: 'Live queries' },
  { id: 'messages', label: 'Messages' },
  { id: 'rejected', label: 'Rejected events' },
  { id: 'sync', label: 'Sync' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/**
 * The architecture made visible: the database host (strategy, VFS, leader, health, and a switch of strategy), the
 * live queries with their SQL, dependency sets and costs, the messages between the contexts, the events the host
 * refused, and the sync state (inbox, outbox, backfill). Each tab polls only while it is shown.
 */
export default function DevtoolsPanel(props: { onClose: () => void }) {
  const [tab, setTab] = createSignal<Tab>('host');
  const section = (id: Tab, content: () => JSX.Element) => (
    <Match when={tab() === id}>
      <ErrorBoundary fallback={(error) => <Problem error={error} where={`The ${id} tab`} />}>{content()}</ErrorBoundary>
    </Match>
  );
  return (
    <aside class="devtools" aria-labelledby="devtools-title">
      <header class="devtools-header">
        <h2 id="devtools-title">Devtools</h2>
        <div class="tabs" role="tablist" aria-label="Devtools sections">
          <For each={TABS}>
            {(t) => (
              <button
                type="button"
                role="tab"
                id={`devtools-tab-${t.id}`}
                aria-selected={tab() === t.id}
                aria-controls="devtools-panel"
                onClick={() => setTab(t.id)}
              >
                {t.label}
              </button>
            )}
          </For>
        </div>
        <button type="button" class="dialog-close" aria-label="Close the devtools" onClick={() => props.onClose()}>
          ✕
        </button>
      </header>
      <div class="devtools-body" id="devtools-panel" role="tabpanel" aria-labelledby={`devtools-tab-${tab()}`}>
        <Switch>
          {section('host', () => (
            <HostSection />
          ))}
          {section('queries', () => (
            <SubscriptionsSection />
          ))}
          {section('messages', () => (
            <MessagesSection />
          ))}
          {section('rejected', () => (
            <RejectedSection />
          ))}
          {section('sync', () => (
            <SyncSection />
          ))}
        </Switch>
      </div>
    </aside>
  );
}
