import { describe, expect, it } from 'vitest';
import { compactCount, displayName, hueOf, initials, safeImageUrl } from './format';

describe('people', () => {
  it('names a user by profile, else by DID without its method', () => {
    expect(displayName('did:plc:alice', 'Alice Liddell')).toBe('Alice Liddell');
    expect(displayName('did:plc:alice', '  ')).toBe('alice');
    expect(displayName('did:web:example.com', null)).toBe('example.com');
  });

  it('makes initials from the first two words', () => {
    expect(initials('Alice Liddell')).toBe('AL');
    expect(initials('bob')).toBe('B');
    expect(initials('élodie de la Tour')).toBe('ÉD');
    expect(initials('🙂')).toBe('?');
  });

  it('gives each user a stable hue', () => {
    expect(hueOf('did:plc:alice')).toBe(hueOf('did:plc:alice'));
    expect(hueOf('did:plc:alice')).not.toBe(hueOf('did:plc:bob'));
  });

  it('shows only https pictures', () => {
    expect(safeImageUrl('https://cdn.example/a.png')).toBe('https://cdn.example/a.png');
    expect(safeImageUrl('http://cdn.example/a.png')).toBeNull();
    expect(safeImageUrl('javascript:alert(1)')).toBeNull();
    expect(safeImageUrl(null)).toBeNull();
  });
});

it('keeps unread badges short', () => {
  expect(compactCount(7)).toBe('7');
  expect(compactCount(31211)).toBe('999+');
});
