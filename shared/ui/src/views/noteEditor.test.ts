import { describe, expect, it } from 'vitest';
import { notePatch } from './noteEditor.js';

describe('notePatch (what Save sends for the text in the note box)', () => {
  it('sends the text, without trailing blanks, keeping its lines and inner spacing', () => {
    expect(notePatch(undefined, 'lr too high\n  try 3e-4  \n\n')).toEqual({ note: 'lr too high\n  try 3e-4' });
    expect(notePatch('old', '<b>as text</b>')).toEqual({ note: '<b>as text</b>' });
  });

  it('clears the note with an empty or blank box, and sends nothing when nothing changed', () => {
    expect(notePatch('old', '  \n ')).toEqual({ note: null });
    expect(notePatch(undefined, '')).toBeNull();
    expect(notePatch('same', 'same\n')).toBeNull();
  });
});
