/** Small pure helpers for showing people, times and counts. */

/** The name to show for a user: the profile's display name, else the DID without its method. */
export function displayName(user: string, profileName: string | null | undefined): string {
  return profileName?.trim() || user.replace(/^did:[a-z0-9]+:/, '');
}

/** One or two letters for an avatar without a picture: the first letters of the first two words. */
export function initials(name: string): string {
  const words = name
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words[1]!] : words.length ? [words[0]!] : [];
  const result = letters.map((w) => [...w][0]!.toUpperCase()).join('');
  return result || '?';
}

/** A stable hue per user, so that a person's initials avatar keeps its colour everywhere. */
export function hueOf(user: string): number {
  let h = 0;
  for (let i = 0; i < user.length; i++) h = (h * 31 + user.charCodeAt(i)) >>> 0;
  return h % 360;
}

/** Only https: pictures are shown (the event schema refuses other avatar URLs; this is the UI's own check). */
export function safeImageUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Unread badges stay short. */
export function compactCount(n: number): string {
  return n > 999 ? '999+' : String(n);
}

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

/** Today's messages show the time; older ones the date too. */
export function messageTime(at: number, now = Date.now()): string {
  const d = new Date(at);
  const today = new Date(now);
  const sameDay =
    d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  return sameDay ? timeOnly.format(d) : dateAndTime.format(d);
}

export const fullTime = (at: number) => full.format(at);
