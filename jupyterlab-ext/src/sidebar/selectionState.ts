// What the Runs panel's "Charts" button says and opens when some selected runs are hidden by the
// search or a filter: only the selected runs the user can see count (the button once said
// "Charts (1)" for a run the search hid), and a note says how many selected runs are hidden.

export interface ChartsButtonState {
  label: string;
  /** A line under the tools; empty when no selected run is hidden. */
  note: string;
}

/**
 * @param selected every selected run, shown or not
 * @param visible the selected runs the list shows
 * @param shown the runs the list shows (opened when no shown run is selected)
 */
export function chartsButtonState(selected: number, visible: number, shown: number): ChartsButtonState {
  const hidden = selected - visible;
  const label = visible ? `Charts (${visible})` : 'Charts';
  if (hidden <= 0) return { label, note: '' };
  const runs = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
  const note = visible
    ? `${selected} selected, ${hidden} hidden by the search: Charts opens the ${visible} shown.`
    : `${runs(hidden)} selected but hidden by the search: Charts opens the ${runs(shown)} shown.`;
  return { label, note };
}
