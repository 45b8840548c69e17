import { describe, expect, it } from 'vitest';
import { chartsButtonState } from './selectionState';

describe('the Charts button of the Runs panel', () => {
  it('counts the selected runs the list shows', () => {
    expect(chartsButtonState(3, 3, 10)).toEqual({ label: 'Charts (3)', note: '' });
    expect(chartsButtonState(0, 0, 10)).toEqual({ label: 'Charts', note: '' });
  });

  it('does not count selected runs the search hides, and says how many it hides', () => {
    expect(chartsButtonState(3, 1, 4)).toEqual({ label: 'Charts (1)', note: '3 selected, 2 hidden by the search: Charts opens the 1 shown.' });
    // The trial's case: lr=0.1 selected, the search at lr=0.3.
    expect(chartsButtonState(1, 0, 1)).toEqual({ label: 'Charts', note: '1 run selected but hidden by the search: Charts opens the 1 run shown.' });
  });
});
