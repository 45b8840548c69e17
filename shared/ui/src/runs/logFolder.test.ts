import { expect, it } from 'vitest';
import { logFolderKind } from './logFolder.js';

it('names a log folder after what its runs were read from', () => {
  expect(logFolderKind([])).toEqual({ what: 'TensorBoard log folder', prefix: 'TensorBoard' });
  expect(logFolderKind([{ kind: 'tensorboard' }, { kind: 'tensorboard' }])).toEqual({ what: 'TensorBoard log folder', prefix: 'TensorBoard' });
  expect(logFolderKind([{ kind: 'dvclive' }])).toEqual({ what: 'DVCLive folder', prefix: 'DVCLive' });
  expect(logFolderKind([{ kind: 'dvclive' }, { kind: 'tensorboard' }])).toEqual({ what: 'log folder (TensorBoard and DVCLive)', prefix: 'TensorBoard + DVCLive' });
});
