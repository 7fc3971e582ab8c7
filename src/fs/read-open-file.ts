/**
 * The whole content of a file already opened, for the caches: what was opened is what counts (a
 * path can be swapped for a symlink or a FIFO after it was checked), and a file still being written
 * is not a finished one. Throws only what `fstat`/`read` throw; callers decide what that means.
 */
import fs from 'node:fs';

/** The bytes of the open file `fd`: null when it is not a regular file, is over `max` bytes, or changed size while read. */
export function readOpenFile(fd: number, max: number): Buffer | null {
  const info = fs.fstatSync(fd);
  if (!info.isFile() || info.size > max) return null;
  // One byte more than the size: a file that grows while it is read is seen to.
  const buffer = Buffer.allocUnsafe(info.size + 1);
  let length = 0;
  while (length < buffer.length) {
    const read = fs.readSync(fd, buffer, length, buffer.length - length, length);
    if (read === 0) break;
    length += read;
  }
  return length === info.size ? buffer.subarray(0, length) : null;
}
