/** readOpenFile: what the caches read from a file they opened — whole regular files only, bounded. */
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOpenFile } from '../../src/fs/read-open-file.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'pypy-ready-read-open-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function withOpen<T>(path: string, use: (fd: number) => T): T {
  const fd = fs.openSync(path, 'r');
  try {
    return use(fd);
  } finally {
    fs.closeSync(fd);
  }
}

describe('readOpenFile', () => {
  it('gives a regular file whole, up to and including max bytes', () => {
    fs.writeFileSync(join(dir, 'a'), 'hello');
    expect(withOpen(join(dir, 'a'), (fd) => readOpenFile(fd, 5))?.toString()).toBe('hello');
    expect(withOpen(join(dir, 'a'), (fd) => readOpenFile(fd, 4))).toBeNull();
    fs.writeFileSync(join(dir, 'empty'), '');
    expect(withOpen(join(dir, 'empty'), (fd) => readOpenFile(fd, 10))?.length).toBe(0);
  });

  it('refuses what is not a regular file: a directory, a device', () => {
    expect(withOpen(dir, (fd) => readOpenFile(fd, 1_000))).toBeNull();
    expect(withOpen('/dev/null', (fd) => readOpenFile(fd, 1_000))).toBeNull();
  });
});
