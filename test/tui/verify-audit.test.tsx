/**
 * `pypy-ready verify --interactive`: the audit opened on a verify's result. The report is a real
 * scan of the bundled demo for Debian's PyPy (pypy3.9-7.3) against the local index; the
 * measurements go through verify's own comparison (`compare`) and its measurement-to-evidence step
 * (`withMeasurements`), as `runVerify` does after a real run (test/verify/no-compiler.test.tsx
 * opens the audit on a real run). The list must show measured beside predicted, disagreements
 * included, without opening the detail.
 */
import { render } from 'ink-testing-library';
import React from 'react';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { bottomLine } from '../../src/report/bottom-line.js';
import type { ScanResult } from '../../src/scan/types.js';
import { Audit } from '../../src/tui/audit.js';
import { compare, type Measurement } from '../../src/verify/compare.js';
import type { PipChoice } from '../../src/verify/pip-report.js';
import { measuredMarks, withMeasurements, type PackageVerification } from '../../src/verify/verify.js';
import { captureIO } from '../support/cli.js';
import { scanDemo } from '../support/demo.js';

const TARGET = 'pypy3.9-7.3';
const LABEL = 'PyPy 7.3.11';

const choice = (name: string, version: string, file: string): PipChoice => ({ name, version, url: `http://127.0.0.1/files/${file}`, file, wheel: file.endsWith('.whl'), isDirect: false, dependsOn: [] });
const imported = (module: string, seconds: number) => [{ module, ok: true, seconds, error: null }];

let predicted: ScanResult;
let measured: ScanResult;
let packages: PackageVerification[];

beforeAll(async () => {
  predicted = await scanDemo([TARGET]);
  const version = (name: string): string => predicted.findings.find((f) => f.name === name)!.version!;
  const file = (name: string): string => predicted.findings.find((f) => f.name === name)!.file!;
  // One of each outcome a real run gives, on the files the scan predicted unless said otherwise.
  const outcomes: Record<string, Measurement> = {
    django: { kind: 'installed', choice: choice('django', version('django'), file('django')), install: { kind: 'wheel', seconds: 1.2 }, imports: imported('django', 0.31) },
    lxml: { kind: 'installed', choice: choice('lxml', version('lxml'), file('lxml')), install: { kind: 'built', seconds: 41 }, imports: imported('lxml', 0.2) },
    cryptography: { kind: 'installed', choice: choice('cryptography', version('cryptography'), file('cryptography')), install: { kind: 'build-failed', seconds: 3.1, reason: 'no C compiler' }, imports: [] },
    // pip took a PyPy wheel where the scan expected the sdist: another file, a disagreement.
    markupsafe: { kind: 'installed', choice: choice('markupsafe', version('markupsafe'), `markupsafe-${version('markupsafe')}-pp39-pypy39_pp73-manylinux_2_17_x86_64.whl`), install: { kind: 'wheel', seconds: 0.8 }, imports: imported('markupsafe', 0.05) },
    requests: { kind: 'installed', choice: choice('requests', version('requests'), file('requests')), install: { kind: 'wheel', seconds: 0.9 }, imports: [{ module: 'requests', ok: false, seconds: 0.4, error: "ModuleNotFoundError: No module named 'urllib3'" }] },
  };
  const project = predicted.projects[0]!;
  packages = Object.entries(outcomes).map(([name, measurement]) => {
    const f = predicted.findings.find((x) => x.name === name)!;
    return { project, name, version: f.version, prediction: { verdict: f.verdict, file: f.file }, measurement, comparison: compare({ verdict: f.verdict, file: f.file }, measurement), log: null };
  });
  measured = withMeasurements(predicted, packages, LABEL);
});

function open(result: ScanResult) {
  const app = render(
    <Audit
      paths={['fixtures/demo-django']}
      progress={null}
      result={result}
      summaries={bottomLine(result)}
      look={{ unicode: true, color: false }}
      version="0.1.0"
      measured={measuredMarks(packages)}
      measuredOn={LABEL}
      onEditor={() => undefined}
      onQuit={() => undefined}
      onInterrupt={() => undefined}
    />,
  );
  return app;
}

const tick = () => new Promise((r) => setTimeout(r, 30));
const rowOf = (frame: string, name: string): string => frame.split('\n').find((l) => new RegExp(`^[> ] \\S ${name} `).test(l)) ?? '';

describe('verify --interactive: the audit on the measured result', () => {
  it('the list shows each measured package beside its prediction; disagreements stand out in the list', async () => {
    const app = open(measured);
    await tick();
    // The demo's list is longer than the screen: the name sort keeps the measured rows in view one after another.
    app.stdin.write('s');
    await tick();
    app.stdin.write('/');
    await tick();
    let frame = app.lastFrame() ?? '';
    expect(frame).toContain(`measured on ${LABEL}: 5 package(s), 2 agree, 1 better than predicted, 2 disagree; 2 failed`);
    const want: Record<string, RegExp> = {
      django: /django \S+ {2}pure {2}measured: imported, agrees {2}/,
      lxml: /lxml \S+ {2}source-build {2}measured: imported, better than predicted {2}/,
      cryptography: /cryptography \S+ {2}source-build {2}measured: build failed, agrees {2}/,
      markupsafe: /markupsafe \S+ {2}pure-fallback {2}measured: imported, DISAGREES {2}/,
      requests: /requests \S+ {2}pure {2}measured: import failed, DISAGREES {2}/,
    };
    for (const [name, row] of Object.entries(want)) {
      for (const ch of '\u007f'.repeat(20) + name) app.stdin.write(ch);
      await tick();
      frame = app.lastFrame() ?? '';
      expect(rowOf(frame, name)).toMatch(row);
    }
    // A package that was not measured carries no mark.
    for (const ch of '\u007f'.repeat(20) + 'sqlparse') app.stdin.write(ch);
    await tick();
    expect(rowOf(app.lastFrame() ?? '', 'sqlparse')).not.toContain('measured');
    app.unmount();
  });

  it("a failure on the real PyPy is a blocker, and the detail shows the measured evidence first", async () => {
    const app = open(measured);
    await tick();
    for (const ch of '/requests\r') app.stdin.write(ch);
    await tick();
    expect(rowOf(app.lastFrame() ?? '', 'requests')).toMatch(/^> ✖ requests/);
    app.stdin.write('\r');
    await tick();
    const detail = (app.lastFrame() ?? '').split('\n').map((l) => l.trim()).join(' ');
    expect(detail).toContain(`Evidence: - measured on ${LABEL}: predicted pure: installed from wheel; import failed: requests: ModuleNotFoundError: No module named 'urllib3' (DISAGREES with the prediction)`);
    app.unmount();
  });

  it('without measurements (scan --interactive) the rows are as before', async () => {
    const app = render(<Audit paths={['x']} progress={null} result={predicted} summaries={bottomLine(predicted)} look={{ unicode: true, color: false }} version="0.1.0" onEditor={() => undefined} onQuit={() => undefined} onInterrupt={() => undefined} />);
    await tick();
    expect(app.lastFrame()).not.toContain('measured');
    app.unmount();
  });

  it('--interactive needs a terminal, and is not combined with --format (checked before any measurement)', async () => {
    const io = captureIO({ env: { PATH: '/nonexistent' } });
    expect(await main(['verify', 'fixtures/demo-django', '--interactive'], io)).toBe(2);
    expect(io.err).toMatch(/--interactive needs a terminal on stdin and stdout/);
    expect(await main(['verify', 'fixtures/demo-django', '--interactive', '--format', 'json'], io)).toBe(2);
    expect(io.err).toMatch(/--interactive cannot be combined with --format/);
  });
});
