// One row of the fault suite's table (scripts/faults.sh prints it) from a TypeScript fault test: made
// at the start with what is tried, marked passed with its figures at the end. A test that fails before
// that leaves its row marked FAIL. Rows go to RUNLANE_FAULTS_ROWS (a JSON-lines file) when it is set.
import { appendFileSync } from 'node:fs';
import { expect, onTestFinished } from 'vitest';

export interface FaultFields {
  fault: string;
  load: string;
  checked: string;
}

/** True under `npm run faults` (the full load); false in npm test (the small one). */
export const FULL = process.env.RUNLANE_FAULTS === 'full';

export function faultRow(fields: FaultFields): { pass: (figures: Record<string, unknown>) => void } {
  const row: Record<string, unknown> = { ...fields, result: 'FAIL' };
  const test = expect.getState().currentTestName ?? '';
  onTestFinished(() => {
    const target = process.env.RUNLANE_FAULTS_ROWS;
    if (target) appendFileSync(target, `${JSON.stringify({ ...row, test })}\n`);
  });
  return { pass: (figures) => Object.assign(row, figures, { result: 'pass' }) };
}
