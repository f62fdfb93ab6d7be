/**
 * Names and avatars of everyone, from one live query of the profiles table, looked up by user. A profile edit
 * patches one row in place, so only the names and avatars of that person re-render.
 */
import { createContext, createMemo, useContext } from 'solid-js';
import { getDb } from '../db';
import { createQuery } from '../db/create-query';
import { displayName, safeImageUrl } from './format';
import { profilesQuery, type ProfileRow } from './queries';

export interface People {
  nameOf(user: string): string;
  avatarOf(user: string): string | null;
  loading(): boolean;
}

export function createPeople(): People {
  const profiles = createQuery<ProfileRow>(getDb(), profilesQuery);
  // Only the ids are read here, so a changed name or avatar does not rebuild the map.
  const byId = createMemo(() => new Map(profiles().map((p) => [p.id, p])));
  return {
    nameOf: (user) => displayName(user, byId().get(user)?.display_name),
    avatarOf: (user) => safeImageUrl(byId().get(user)?.avatar_url),
    loading: () => profiles.loading(),
  };
}

export const PeopleContext = createContext<People>();

export function usePeople(): People {
  const people = useContext(PeopleContext);
  if (!people) throw new Error('usePeople outside PeopleContext');
  return people;
}
