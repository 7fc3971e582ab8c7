// Summarise a V8 .cpuprofile (from `node --cpu-prof`): self time by area of the code and the
// heaviest functions. `node bench/profile-summary.mjs FILE.cpuprofile [top=25]`
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const top = Number(topArg ?? 25);
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMs = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) selfMs.set(profile.samples[i], (selfMs.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0) / 1000);

function area(url, name) {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8/native (program)';
  if (!url) return `native: ${name}`;
  const m = /\/dist\/([^/]+)\//.exec(url) ?? /\/dist\/([^/]+)\.js/.exec(url);
  if (m) return `pypy-ready ${m[1]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  if (url.startsWith('node:')) {
    if (/node:internal\/(modules|bootstrap)/.test(url)) return 'node: module loading';
    if (/node:internal\/fs|node:fs/.test(url)) return 'node: fs';
    if (/zlib|crypto/.test(url)) return 'node: crypto/zlib';
    if (/net|stream|http|tls|dns/.test(url)) return 'node: net/streams';
    return 'node: other';
  }
  return url;
}

const byArea = new Map();
const byFunction = new Map();
let total = 0;
for (const [id, ms] of selfMs) {
  const { callFrame } = nodes.get(id);
  total += ms;
  const a = area(callFrame.url, callFrame.functionName);
  byArea.set(a, (byArea.get(a) ?? 0) + ms);
  const where = callFrame.url ? `${callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${callFrame.lineNumber + 1}` : '';
  const key = `${callFrame.functionName || '(anonymous)'} ${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
}
// Inclusive time per function (a function already on the stack is not counted twice).
const inclusive = new Map();
const keyOf = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? `${n.callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}` : ''}`;
const root = profile.nodes[0];
const walk = (node, onStack) => {
  let sum = selfMs.get(node.id) ?? 0;
  const key = keyOf(node);
  const fresh = !onStack.has(key);
  if (fresh) onStack.add(key);
  for (const child of node.children ?? []) sum += walk(nodes.get(child), onStack);
  if (fresh) {
    onStack.delete(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + sum);
  }
  return sum;
};
// Iterative depth would be safer, but V8 profiles are a few hundred frames deep at most.
walk(root, new Set());
const busy = total - (byArea.get('idle') ?? 0);
const line = ([k, ms]) => `${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${k}`;
console.log(`profile ${file}: ${total.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy (not idle)`);
console.log('by area (self time, % of busy):');
for (const e of [...byArea].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(line(e));
console.log(`top ${top} functions (self time):`);
for (const e of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(line(e));
if (process.env.INCLUSIVE) {
  console.log(`top ${top} functions of pypy-ready (inclusive time):`);
  for (const e of [...inclusive].filter(([k]) => k.includes('dist/')).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(line(e));
}
