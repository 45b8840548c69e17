// A run's free-text note in the details view: shown as text (never HTML), edited in a text box,
// saved as a `note` event through the host (PATCH note). Its element lives outside the part of the
// view that re-renders twice a second while a run logs, so typing is never interrupted.
import type { RunPatch } from '@runlane/protocol';
import { el } from './dom.js';

/** The longest note the store takes (names.ts MAX_NOTE_LENGTH); the box stops there. */
export const NOTE_MAX_LENGTH = 100_000;

/** The patch that saves `text` as the note, or null when nothing changes ("" or blanks clear it). */
export function notePatch(current: string | undefined, text: string): RunPatch | null {
  const next = text.trim() === '' ? null : text.replace(/\s+$/, '');
  return next === (current ?? null) ? null : { note: next };
}

export class NoteEditor {
  readonly element: HTMLElement;
  private note: string | undefined;
  private editing = false;
  private editable = true;

  constructor(private readonly save: (patch: RunPatch) => Promise<string | undefined>) {
    this.element = el('section', { className: 'rl-section rl-note' });
  }

  /**
   * The run's note as last read; ignored while the user edits (their text is not replaced). A run
   * Runlane cannot write (TensorBoard, DVCLive, an MLflow server) shows its note, if any, without Edit.
   */
  update(note: string | undefined, editable = true): void {
    if (this.editing) {
      this.note = note;
      return;
    }
    if (note === this.note && editable === this.editable && this.element.childElementCount > 0) return;
    this.note = note;
    this.editable = editable;
    this.showNote();
  }

  private showNote(): void {
    this.editing = false;
    this.element.hidden = !this.editable && !this.note;
    const body = this.note
      ? el('div', { className: 'rl-note-text', textContent: this.note })
      : el('div', { className: 'rl-note-text rl-note-empty', textContent: 'No note. Add one to say what this run tried or found.' });
    if (!this.note) body.style.color = 'var(--rl-muted)';
    body.style.whiteSpace = 'pre-wrap';
    body.style.overflowWrap = 'anywhere';
    const edit = button(this.note ? 'Edit note' : 'Add note', () => this.startEditing());
    const bar = el('div', { className: 'rl-toolbar' }, edit);
    bar.style.marginTop = '6px';
    this.element.replaceChildren(el('h3', { textContent: 'Note' }), body, ...(this.editable ? [bar] : []));
  }

  private startEditing(): void {
    this.editing = true;
    const box = el('textarea', { className: 'rl-note-input', value: this.note ?? '', rows: 5, maxLength: NOTE_MAX_LENGTH, placeholder: 'What this run tried, what it showed…' });
    box.setAttribute('aria-label', 'Run note');
    box.style.width = '100%';
    box.style.boxSizing = 'border-box';
    box.style.font = 'inherit';
    const problem = el('div', { className: 'rl-error', role: 'alert' });
    const saveButton = button('Save', () => void this.commit(box, saveButton, problem));
    const cancel = button('Cancel', () => this.showNote());
    box.addEventListener('keydown', (event) => {
      // Ctrl/Cmd+Enter saves, Escape cancels; the editor's own shortcuts stay out of the box.
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) void this.commit(box, saveButton, problem);
      else if (event.key === 'Escape') this.showNote();
      else return;
      event.preventDefault();
      event.stopPropagation();
    });
    const hint = el('span', { textContent: 'Ctrl+Enter saves · Esc cancels' });
    hint.style.color = 'var(--rl-muted)';
    const bar = el('div', { className: 'rl-toolbar' }, saveButton, cancel, hint);
    bar.style.marginTop = '6px';
    this.element.replaceChildren(el('h3', { textContent: 'Note' }), box, problem, bar);
    box.focus();
  }

  private async commit(box: HTMLTextAreaElement, saveButton: HTMLButtonElement, problem: HTMLElement): Promise<void> {
    const patch = notePatch(this.note, box.value);
    if (patch === null) return this.showNote();
    saveButton.disabled = true;
    problem.textContent = '';
    try {
      this.note = await this.save(patch);
      this.showNote();
    } catch (err) {
      // The text stays in the box: nothing the user typed is lost when the save fails.
      problem.textContent = `The note was not saved: ${(err as Error).message}`;
      saveButton.disabled = false;
    }
  }
}

function button(label: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', { className: 'rl-button', textContent: label, type: 'button' });
  b.addEventListener('click', onClick);
  return b;
}
