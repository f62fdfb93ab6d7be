/**
 * Who is using this tab. A stand-in for ATProto login: the user picks one of the space's people, or makes a new
 * local identity, and every event this tab writes carries that DID. Real login replaces only this module: after an
 * OAuth session (e.g. @atproto/oauth-client-browser) `setCurrentUser(session.did)`, and the server checks each
 * event's `user` against the session that sends it (see README, "Identity").
 */
import { createSignal } from 'solid-js';
import { ulid } from 'ulidx';

const STORAGE_KEY = 'roomy.user';
export const DEFAULT_USER = 'did:plc:alice';

function stored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage blocked (some private modes): the default identity, for this tab only
  }
}

const [user, setUserSignal] = createSignal(stored() ?? DEFAULT_USER);

export const currentUser = user;

export function setCurrentUser(did: string) {
  try {
    localStorage.setItem(STORAGE_KEY, did);
  } catch {
    /* kept for this tab only */
  }
  setUserSignal(did);
}

/** A fresh DID for a new local identity: `did:plc:` and a random id, lower case as real PLC ids are. */
export function newLocalDid(): string {
  return `did:plc:local-${ulid().toLowerCase()}`;
}

/** Other tabs of the same browser follow an identity switch (they share the local database). */
window.addEventListener('storage', (event) => {
  if (event.key === STORAGE_KEY && event.newValue) setUserSignal(event.newValue);
});
