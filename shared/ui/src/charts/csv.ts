// A card's data as CSV: one row per point per run (raw values; smoothing is a view).
import type { CardData } from './chartTypes.js';

function cell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function number(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
}

export function cardToCsv(card: CardData): string {
  const lines = ['run,metric,step,wall_time,value'];
  for (const s of card.series) {
    for (let i = 0; i < s.steps.length; i++) {
      lines.push([cell(s.label), cell(card.key), String(s.steps[i]), number(s.times[i]!), number((s.presmoothed?.raw ?? s.values)[i]!)].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}
