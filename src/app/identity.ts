/**
 * Who is using this tab. A stand-in for ATProto login: the user picks one of the space's people (or keeps the
 * default), and every event this tab writes carries that DID. Real login would put the DID of the OAuth session here.
 */
import { createSignal } from 'solid-js';

const STORAGE_KEY = 'roomy.user';
export const DEFAULT_USER = 'did:plc:alice';

const [user, setUserSignal] = createSignal(localStorage.getItem(STORAGE_KEY) ?? DEFAULT_USER);

export const currentUser = user;

export function setCurrentUser(did: string) {
  localStorage.setItem(STORAGE_KEY, did);
  setUserSignal(did);
}
