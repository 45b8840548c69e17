// A run's note and MLflow's run Description (the `mlflow.note.content` tag its UI edits): pushed as
// it, and read back from it, so a note crosses to a team's server and back.
import type { RunSummary } from '@runlane/protocol';
import { describe, expect, it } from 'vitest';
import { mapTags } from './pushMapping.js';
import { toSummary } from './readMapping.js';

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    id: '20261130-110127-f24915', name: 'train', experiment: 'exp', status: 'finished', kind: 'cell',
    created_at: 1_700_000_000, started_at: 1_700_000_001, ended_at: 1_700_000_010, duration: 9,
    notebook: null, cell_id: null, execution_count: null, params: {}, tags: {}, metrics: {}, ranks: [],
    error: null, exit_code: null, ...overrides,
  };
}

const info = { run_id: 'abc', experiment_id: '1', run_name: 'r', status: 'FINISHED', start_time: 1_700_000_000_000, end_time: 1_700_000_001_000 };

describe('notes and MLflow descriptions', () => {
  it('pushes the note as mlflow.note.content (cut to MLflow\'s tag limit), and nothing without one', () => {
    expect(mapTags({ summary: summary({ note: 'lr too high\nretry' }), meta: {}, env: null })['mlflow.note.content']).toBe('lr too high\nretry');
    expect(mapTags({ summary: summary({ note: 'x'.repeat(9000) }), meta: {}, env: null })['mlflow.note.content']!.length).toBeLessThanOrEqual(8000);
    expect(mapTags({ summary: summary(), meta: {}, env: null })).not.toHaveProperty('mlflow.note.content');
  });

  it('reads a server run\'s description as its note, not as a tag', () => {
    const read = toSummary({ info, data: { tags: [{ key: 'mlflow.note.content', value: 'from the MLflow UI' }, { key: 'team', value: 'a' }] } }, 'exp');
    expect(read.note).toBe('from the MLflow UI');
    expect(read.tags).toEqual({ team: 'a' });
    expect(toSummary({ info, data: { tags: [] } }, 'exp')).not.toHaveProperty('note');
  });
});
