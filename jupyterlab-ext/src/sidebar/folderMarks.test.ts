import { describe, expect, it } from 'vitest';
import { folderMarks, shortFolderName } from './folderMarks';

describe('folder marks of the Runs list', () => {
  it('names a store by the folder holding .runlane, a log folder by its own name', () => {
    expect(shortFolderName('.runlane')).toBe('.runlane');
    expect(shortFolderName('sub/.runlane')).toBe('sub');
    expect(shortFolderName('/home/ada/proj/.runlane/')).toBe('proj');
    expect(shortFolderName('tb_logs')).toBe('tb_logs');
    expect(shortFolderName('/data/runs/exp1')).toBe('exp1');
  });

  it('marks nothing when one folder is shown, and each folder its own colour when several are', () => {
    const label = (p: string) => p.replace('/w/', '');
    expect(folderMarks(['/w/.runlane'], label).size).toBe(0);
    const marks = folderMarks(['/w/.runlane', '/w/tb_logs', '/w/sub/.runlane'], label);
    expect([...marks.values()]).toEqual([
      { text: '.runlane', colour: 0 },
      { text: 'tb_logs', colour: 1 },
      { text: 'sub', colour: 2 },
    ]);
  });
});
