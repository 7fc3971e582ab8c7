import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/manifests/types.js';
import { parseRequirementsFile } from '../../src/manifests/requirements-file.js';
import { fixture } from './helpers.js';

const byName = (r: ReturnType<typeof parseRequirementsFile>, name: string) => {
  const found = r.requirements.find((x) => x.normalizedName === name);
  if (!found) throw new Error(`no requirement ${name}`);
  return found;
};

describe('requirements files: lines and locations', () => {
  const r = parseRequirementsFile(fixture('requirements/continuations.txt'), 'continuations.txt');

  it('reads every requirement and nothing else', () => {
    // A bare directory names no project: said once, as a warning, and still listed.
    expect(r.issues.map(formatIssue)).toEqual([
      'continuations.txt:11:1: warning: cannot tell the project name of "./local/project" (add "#egg=<name>" or write "<name> @ <url>")',
    ]);
    expect(r.requirements.map((x) => x.normalizedName)).toEqual([
      'requests', 'flask', 'pkg', 'django', 'name', 'editable-pkg', 'project', 'numpy',
    ]);
  });

  it('keeps line numbers right after continuation lines', () => {
    // Lines counted in the fixture: requests starts on 2 (continued over 3-4), flask on 5, django on 7-8.
    expect(byName(r, 'requests').location).toMatchObject({ line: 2, column: 1, endLine: 2, endColumn: 17 });
    expect(byName(r, 'flask').location).toMatchObject({ line: 5, column: 1 });
    expect(byName(r, 'pkg').location.line).toBe(6);
    expect(byName(r, 'django').location).toMatchObject({ line: 7, column: 1, endLine: 8, endColumn: 6 });
    expect(byName(r, 'name').location.line).toBe(9);
    expect(byName(r, 'editable-pkg').location).toMatchObject({ line: 10, column: 4 });
    expect(byName(r, 'numpy').location.line).toBe(12);
  });

  it('collects --hash options from continuation lines', () => {
    expect(byName(r, 'requests').hashes).toEqual(['sha256:aaaa', 'sha256:bbbb']);
    expect(byName(r, 'requests').pinnedVersion).toBe('2.31.0');
  });

  it('strips trailing comments but keeps # inside URLs', () => {
    expect(byName(r, 'flask').markerText).toBe('python_version >= "3.8"');
    expect(byName(r, 'pkg').url).toBe('https://example.com/pkg-1.0.tar.gz#sha256=abc');
  });

  it('reads name@ url without a space before @ (corpus quirk)', () => {
    expect(byName(r, 'name').url).toBe('git+https://github.com/org/name.git@v1.0');
  });

  it('reads editables with #egg= and bare local paths', () => {
    const e = byName(r, 'editable-pkg');
    expect(e.editable).toBe(true);
    expect(e.url).toBe('git+https://github.com/org/editable.git@main#egg=editable-pkg');
    expect(byName(r, 'project').localPath).toBe('./local/project');
  });

  it('joins a requirement split by a continuation in the middle', () => {
    expect(byName(r, 'django').specifier).toBe('>=4.2');
  });
});

describe('requirements files: encodings and line endings', () => {
  it('reads CRLF, a BOM-less decoded text and no final newline', () => {
    const r = parseRequirementsFile('a==1\r\nb==2 \\\r\n  --hash=sha256:ff\r\nc==3', 'x.txt');
    expect(r.requirements.map((x) => [x.name, x.location.line])).toEqual([['a', 1], ['b', 2], ['c', 4]]);
    expect(r.requirements[1]!.hashes).toEqual(['sha256:ff']);
  });

  it('reads a file whose last line ends in a backslash', () => {
    const r = parseRequirementsFile('a==1 \\', 'x.txt');
    expect(r.requirements.map((x) => x.name)).toEqual(['a']);
  });
});

describe('requirements files: pip-compile output (corpus quirk: # via blocks and --hash continuations)', () => {
  const r = parseRequirementsFile(fixture('requirements/pip-compile.txt'), 'requirements.txt');

  it('reads the three pins and records their parents', () => {
    expect(r.issues).toEqual([]);
    expect(r.requirements.map((x) => [x.name, x.lockedVersion ?? x.pinnedVersion, x.location.line])).toEqual([
      ['asgiref', '3.7.2', 6],
      ['django', '4.2.7', 9],
      ['sqlparse', '0.4.4', 13],
    ]);
    expect(byName(r, 'asgiref').via).toEqual(['django']);
    expect(byName(r, 'sqlparse').via).toEqual(['-r requirements.in', 'django']);
  });

  it('marks what only other packages pulled in as not direct', () => {
    expect(byName(r, 'asgiref').direct).toBe(false);
    expect(byName(r, 'django').direct).toBe(true);
    expect(byName(r, 'sqlparse').direct).toBe(true);
  });

  it('records --extra-index-url', () => {
    expect(r.indexOptions.extraIndexUrls).toEqual(['https://example.org/simple']);
  });
});

describe('requirements files: options and environment variables', () => {
  const env = { INDEX_USER: 'me', INDEX_TOKEN: 's3cret', PKG_VERSION: '1.2.3' };
  const r = parseRequirementsFile(fixture('requirements/options.txt'), 'options.txt', { env });

  it('records the index options', () => {
    expect(r.indexOptions).toEqual({
      indexUrl: 'https://me:s3cret@pypi.example.com/simple',
      extraIndexUrls: ['https://mirror.example.com/simple'],
      findLinks: ['./wheels'],
      pre: true,
      onlyBinary: [':all:'],
      noBinary: ['lxml', 'psycopg2'],
      trustedHosts: ['mirror.example.com'],
    });
  });

  it('expands ${VAR} in requirements', () => {
    expect(r.requirements.map((x) => [x.name, x.specifier])).toEqual([['private-pkg', '==1.2.3']]);
  });

  it('leaves unset variables as written, like pip', () => {
    const u = parseRequirementsFile(fixture('requirements/options.txt'), 'options.txt', { env: {} });
    expect(u.indexOptions.indexUrl).toBe('https://${INDEX_USER}:${INDEX_TOKEN}@pypi.example.com/simple');
  });

  it('warns about an unknown option with file:line and goes on', () => {
    expect(r.issues.map(formatIssue)).toEqual(['options.txt:8:1: warning: unknown option "--frobnicate" in a requirements file (ignored)']);
  });

  it('reads an options-only file with a trailing comment (corpus quirk)', () => {
    const o = parseRequirementsFile('--extra-index-url https://pypi.anaconda.org/x/simple # Temporary index\n', 'lzma.txt');
    expect(o.requirements).toEqual([]);
    expect(o.issues).toEqual([]);
    expect(o.indexOptions.extraIndexUrls).toEqual(['https://pypi.anaconda.org/x/simple']);
  });
});

describe('requirements files: includes', () => {
  it('returns -r / -c / --requirement= targets with their locations', () => {
    const r = parseRequirementsFile('-r base.txt\n--constraint=c.txt\n-rother.txt\n', 'req.txt');
    expect(r.includes.map((i) => [i.kind, i.target, i.location.line, i.location.column])).toEqual([
      ['requirement', 'base.txt', 1, 4],
      ['constraint', 'c.txt', 2, 14],
      ['requirement', 'other.txt', 3, 3],
    ]);
  });

  it('marks everything in a constraints file as a constraint', () => {
    const r = parseRequirementsFile('urllib3<2\n', 'c.txt', { kind: 'constraint' });
    expect(r.requirements[0]!.kind).toBe('constraint');
  });
});

describe('requirements files: invalid input', () => {
  it('reports each bad line as one line with file:line and keeps the good ones', () => {
    const r = parseRequirementsFile(fixture('requirements/invalid.txt'), 'invalid.txt');
    expect(r.requirements.map((x) => x.name)).toEqual(['good', 'also-good']);
    expect(r.issues.map((i) => i.line)).toEqual([2, 3]);
    for (const i of r.issues) {
      expect(formatIssue(i)).toMatch(/^invalid\.txt:\d+:\d+: invalid requirement: /);
      expect(formatIssue(i)).not.toContain('\n');
    }
  });

  it('caps the number of issues for a file that is not a requirements file at all', () => {
    const text = Array.from({ length: 500 }, (_, i) => `{"key${i}": ${i}},`).join('\n');
    const r = parseRequirementsFile(text, 'data.json');
    expect(r.issues.length).toBe(51);
    expect(r.issues[50]!.message).toBe('450 more problems in this file not shown');
  });

  it('warns when a URL requirement names no project', () => {
    const r = parseRequirementsFile('git+https://github.com/org/repo.git@v1\n', 'x.txt');
    expect(r.requirements).toHaveLength(1);
    expect(r.issues[0]!.severity).toBe('warning');
    expect(r.issues[0]!.message).toMatch(/cannot tell the project name/);
  });
});
