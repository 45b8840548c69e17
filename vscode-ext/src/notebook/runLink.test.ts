import { expect, it } from 'vitest';
import { namesMessage, parseNames, parseRunLink, runLinkBundle, RUN_MIME } from './runLink.js';

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

it('sends the renderers the current label of each linked run (trial 2 #4: a renamed run kept its old name)', async () => {
  const { runLabel } = await import('@runlane/ui');
  const runs = new Map([
    ['20261130-064330-6691b3', { id: '20261130-064330-6691b3', name: 'lr=0.03' }], // was "sweep.ipynb cell 3"
    ['20261130-064400-aaaaaa', { id: '20261130-064400-aaaaaa', name: 'baseline' }],
    ['20261130-064500-bbbbbb', { id: '20261130-064500-bbbbbb', name: 'baseline' }],
  ]);
  const label = (id: string) => {
    const run = runs.get(id);
    return run && runLabel(run, runs.values());
  };
  const message = namesMessage(['20261130-064330-6691b3', '20261130-064400-aaaaaa', 'not-shown'], label);
  expect(message).toEqual({ type: 'names', names: { '20261130-064330-6691b3': 'lr=0.03', '20261130-064400-aaaaaa': 'baseline · aaaaaa' } });
  // What the renderer takes from it, and what it ignores.
  expect(parseNames(message)).toEqual(new Map(Object.entries(message.names)));
  expect(parseNames({ type: 'names', names: { a: 5 } })).toEqual(new Map());
  expect(parseNames({ type: 'open' })).toBeNull();
});
