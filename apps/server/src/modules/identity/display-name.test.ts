import { describe, expect, it } from 'vitest';
import { NAME_MAX, cleanDisplayName } from './display-name.ts';

describe('display names from outside', () => {
  it.each([
    ['a plain name', 'Ada Lovelace', 'Ada Lovelace'],
    ['a NUL', 'Ada\u0000Lovelace', 'Ada Lovelace'],
    ['newlines and tabs', ' Ada\r\n\tLovelace ', 'Ada Lovelace'],
    ['DEL and C1 controls', 'Ada\u007f\u0085Lovelace', 'Ada Lovelace'],
    ['a lone surrogate', 'Ada\uD800', 'Ada\uFFFD'],
    ['only control characters', '\u0000\u0001', ''],
    ['not a string', 42, ''],
  ])('cleans %s', (_name, raw, expected) => {
    expect(cleanDisplayName(raw)).toBe(expected);
  });

  it('cuts a long name to the schema’s length without splitting a character', () => {
    const out = cleanDisplayName('😀'.repeat(200));
    expect(Array.from(out)).toHaveLength(NAME_MAX);
    expect(out).toBe('😀'.repeat(NAME_MAX));
  });
});
