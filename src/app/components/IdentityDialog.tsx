import { For, Show, createMemo, createSignal } from 'solid-js';
import { LIMITS } from '../../../protocol/events';
import { getDb } from '../../db';
import { createQuery } from '../../db/create-query';
import { joinSpace, updateProfile } from '../actions';
import { safeImageUrl } from '../format';
import { currentUser, newLocalDid, setCurrentUser } from '../identity';
import { usePeople } from '../people';
import { membersQuery, type MemberRow } from '../queries';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';

/**
 * "Who are you?": the stand-in for ATProto login. Pick one of the space's people, make a new local identity (it
 * joins the space), or edit your profile. Events this tab writes are signed by nobody: see README, "Identity".
 */
export function IdentityDialog(props: { space: string | undefined; onClose: () => void }) {
  const [tab, setTab] = createSignal<'profile' | 'switch'>('profile');
  return (
    <Dialog title="Your identity" onClose={() => props.onClose()} class="identity-dialog">
      <div class="tabs" role="tablist" aria-label="Identity">
        <button
          type="button"
          role="tab"
          id="identity-tab-profile"
          aria-selected={tab() === 'profile'}
          aria-controls="identity-panel"
          onClick={() => setTab('profile')}
        >
          Edit profile
        </button>
        <button
          type="button"
          role="tab"
          id="identity-tab-switch"
          aria-selected={tab() === 'switch'}
          aria-controls="identity-panel"
          onClick={() => setTab('switch')}
        >
          Switch identity
        </button>
      </div>
      <div id="identity-panel" role="tabpanel" aria-labelledby={`identity-tab-${tab()}`}>
        <Show
          when={props.space}
          fallback={<p class="empty">Open a space first: profiles and identities belong to its people.</p>}
        >
          {(space) => (
            <Show
              when={tab() === 'profile'}
              fallback={<SwitchIdentity space={space()} onDone={() => props.onClose()} />}
            >
              <ProfileForm space={space()} onDone={() => props.onClose()} />
            </Show>
          )}
        </Show>
      </div>
    </Dialog>
  );
}

/** Display name and avatar (https only), sent as a profile.update event. */
function ProfileForm(props: { space: string; onDone: () => void }) {
  const people = usePeople();
  const [name, setName] = createSignal(people.nameOf(currentUser()));
  const [avatar, setAvatar] = createSignal(people.avatarOf(currentUser()) ?? '');
  const [error, setError] = createSignal<string | null>(null);
  const [saving, setSaving] = createSignal(false);

  async function save() {
    const url = avatar().trim();
    if (url && !safeImageUrl(url)) {
      setError('The avatar must be an https:// address.');
      return;
    }
    setError(null);
    setSaving(true);
    try {
      await updateProfile(props.space, { displayName: name().trim(), avatarUrl: url || null });
      props.onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      class="profile-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <p class="muted">
        Signed in as <code>{currentUser()}</code>
      </p>
      <label>
        Display name
        <input
          required
          maxLength={LIMITS.displayNameChars}
          value={name()}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </label>
      <label>
        Avatar URL (https)
        <input
          type="url"
          placeholder="https://…"
          maxLength={LIMITS.urlChars}
          value={avatar()}
          onInput={(e) => setAvatar(e.currentTarget.value)}
        />
      </label>
      <Show when={error()}>
        <p class="error" role="alert">
          {error()}
        </p>
      </Show>
      <div class="dialog-actions">
        <button type="submit" class="primary" disabled={saving()}>
          Save profile
        </button>
      </div>
    </form>
  );
}

/** The space's people to become, with a filter, and a new local identity. */
function SwitchIdentity(props: { space: string; onDone: () => void }) {
  const people = usePeople();
  const members = createQuery<MemberRow>(getDb(), () => membersQuery(props.space));
  const [filter, setFilter] = createSignal('');
  const [newName, setNewName] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const shown = createMemo(() => {
    const f = filter().trim().toLowerCase();
    return members()
      .map((m) => ({ id: m.id, name: people.nameOf(m.id) }))
      .filter((m) => !f || m.name.toLowerCase().includes(f) || m.id.includes(f))
      .sort((a, b) => a.name.localeCompare(b.name))
      .slice(0, 50);
  });

  async function create() {
    const name = newName().trim();
    if (!name) return;
    const previous = currentUser();
    setCurrentUser(newLocalDid());
    try {
      await joinSpace(props.space, name);
      props.onDone();
    } catch (e) {
      setCurrentUser(previous);
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <div class="switch-identity">
      <input
        type="search"
        aria-label="Find a person"
        placeholder="Find a person…"
        value={filter()}
        onInput={(e) => setFilter(e.currentTarget.value)}
      />
      <ul class="people-choices" aria-label="People in this space">
        <For each={shown()} fallback={<li class="empty">Nobody matches.</li>}>
          {(person) => (
            <li>
              <button
                type="button"
                aria-current={person.id === currentUser() ? 'true' : undefined}
                onClick={() => {
                  setCurrentUser(person.id);
                  props.onDone();
                }}
              >
                <Avatar user={person.id} size="small" />
                <span>{person.name}</span>
                <span class="muted did">{person.id}</span>
              </button>
            </li>
          )}
        </For>
      </ul>
      <form
        class="new-identity"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label>
          New identity
          <input
            placeholder="Your display name"
            maxLength={LIMITS.displayNameChars}
            value={newName()}
            onInput={(e) => setNewName(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Create and join</button>
        <Show when={error()}>
          <p class="error" role="alert">
            {error()}
          </p>
        </Show>
      </form>
    </div>
  );
}
