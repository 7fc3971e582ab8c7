// Real wheel files for the benchmark's index: pip 23 downloads the chosen wheel even on a dry run
// and reads its .dist-info, so each must be a valid zip with METADATA, WHEEL and RECORD. A stored
// (uncompressed) zip is a few lines: local headers, the central directory, its end record.
import { crc32 } from 'node:zlib';

function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = Buffer.from(text, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    locals.push(local, nameBytes, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The wheel `filename` of a release whose METADATA text is `metadata`. */
export function wheelFile(filename, metadata) {
  const [name, version, , , tag] = filename.replace(/\.whl$/, '').split('-');
  const info = `${name}-${version}.dist-info`;
  const wheel = `Wheel-Version: 1.0\nGenerator: pypy-ready-bench\nRoot-Is-Purelib: true\nTag: ${tag ?? 'py3-none-any'}\n`;
  const record = `${info}/METADATA,,\n${info}/WHEEL,,\n${info}/RECORD,,\n`;
  return zip([[`${info}/METADATA`, metadata], [`${info}/WHEEL`, wheel], [`${info}/RECORD`, record]]);
}
