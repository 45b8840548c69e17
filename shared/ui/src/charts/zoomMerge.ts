// A zoom's full-resolution answer joined to the line drawn before it: the zoomed step range's points
// replace that range, the points outside it stay. So a zoom into a gap of a sparse series (a metric
// logged every 100,000 steps, zoomed to 50,000 of them) still draws the line across the window
// instead of an empty chart, and the x axis keeps its extent, so the zoom window stays where it is.
export interface LinePoints {
  steps: number[];
  times: number[];
  values: number[];
}

export function withOverview(before: LinePoints | undefined, zoomed: LinePoints, range: { from: number; to: number }): LinePoints {
  if (!before) return zoomed;
  const out: LinePoints = { steps: [], times: [], values: [] };
  const push = (p: LinePoints, i: number) => (out.steps.push(p.steps[i]!), out.times.push(p.times[i]!), out.values.push(p.values[i]!));
  let i = 0;
  for (; i < before.steps.length && before.steps[i]! < range.from; i++) push(before, i);
  for (let j = 0; j < zoomed.steps.length; j++) push(zoomed, j);
  for (; i < before.steps.length; i++) if (before.steps[i]! > range.to) push(before, i);
  return out;
}
