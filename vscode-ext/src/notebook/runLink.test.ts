import { expect, it } from 'vitest';
import { parseRunLink, runLinkBundle, RUN_MIME } from './runLink.js';

it('carries the run for the renderers and a plain line for any other frontend (contract C3)', () => {
  const run = { id: '20250101-000000-a1b2c3', name: 'two ranks', experiment: 'jobs', store: '/w/.runlane', kind: 'job' };
  const bundle = runLinkBundle(run);
  expect(bundle[RUN_MIME]).toEqual(run);
  expect(bundle['text/plain']).toBe('Runlane run "two ranks" (20250101-000000-a1b2c3): runlane show 20250101-000000-a1b2c3');
});

it('reads only what it expects from an output item', () => {
  expect(parseRunLink({ id: 'a', name: 5, extra: '<b>' })).toEqual({ id: 'a', name: 'a', experiment: '', store: '', kind: '' });
  expect(parseRunLink({ name: 'no id' })).toBeNull();
  expect(parseRunLink('x')).toBeNull();
});
