// How long one key press takes to redraw the interactive audit with 1,000 packages: ink renders
// into a fake 100x30 terminal, and each key's time is from the key to the frame it produced.
// `npm run build && node bench/tui.mjs [packages=1000] [presses=200]`. Prints figures; asserts nothing.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { render } from 'ink';
import React from 'react';
import { Audit } from '../dist/tui/audit.js';
import { bottomLine } from '../dist/report/bottom-line.js';

const count = Number(process.argv[2] ?? 1000);
const presses = Number(process.argv[3] ?? 200);

const target = { id: 'pypy3.11-7.3-manylinux_x86_64', interpreter: 'pypy3.11-7.3', implementation: 'pypy', pythonVersion: '3.11.13', abi: 'pypy311_pp73', platform: 'manylinux_x86_64', baseline: 'glibc 2.28' };
const severities = ['error', 'warning', 'info', 'ok', 'ok', 'ok'];
const result = {
  schemaVersion: 1,
  tool: { name: 'pypy-ready', version: 'bench' },
  targets: [target],
  projects: ['.'],
  requirements: [],
  notInstalled: [],
  errors: [],
  indexReachable: true,
  findings: Array.from({ length: count }, (_, i) => ({
    name: `package-${String(i).padStart(4, '0')}`,
    version: '1.0.0',
    target: target.id,
    verdict: 'pure',
    severity: severities[i % severities.length],
    file: `package_${i}-1.0.0-py3-none-any.whl`,
    evidence: ['best file for the target: a pure wheel'],
    suggestion: null,
    project: '.',
    groups: ['main'],
    locations: [{ file: 'requirements.txt', line: i + 1, column: 1 }],
    via: [],
    unchecked: [],
  })),
};

class Stdout extends EventEmitter {
  isTTY = true;
  columns = 100;
  rows = 30;
  onFrame = null;
  write(frame) {
    this.onFrame?.(frame);
    return true;
  }
}
class Stdin extends EventEmitter {
  isTTY = true;
  data = null;
  write(data) {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

const stdout = new Stdout();
const stdin = new Stdin();
const props = { paths: ['.'], progress: null, result, summaries: bottomLine(result), look: { unicode: true, color: true }, version: 'bench', onEditor() {}, onQuit() {}, onInterrupt() {} };
const instance = render(React.createElement(Audit, props), { stdout, stdin, exitOnCtrlC: false, patchConsole: false, debug: true });
await new Promise((r) => setTimeout(r, 50));

// Keys that each change the frame (a key that changes nothing draws nothing to wait for).
const keys = ['j', 'j', 'k', '\u001b[6~', 'g', 'G', 'g', 's', 's', 's'];
const times = [];
for (let i = 0; i < presses; i++) {
  const frame = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no frame after key ${JSON.stringify(keys[i % keys.length])}`)), 2000);
    stdout.onFrame = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  const start = performance.now();
  stdin.write(keys[i % keys.length]);
  await frame;
  times.push(performance.now() - start);
}
instance.unmount();
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1);
console.log(`interactive audit, ${count} packages, 100x30: key press to frame over ${presses} presses: median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${times.at(-1).toFixed(1)} ms`);
