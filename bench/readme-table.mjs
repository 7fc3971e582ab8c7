// Prints the README's performance table from bench/results.json (`node bench/readme-table.mjs`).
import { readFileSync } from 'node:fs';

const r = JSON.parse(readFileSync(new URL('./results.json', import.meta.url), 'utf8'));
const f = r.figures;
const s = (x) => `${(x.median / 1000).toFixed(2)} s (${(x.min / 1000).toFixed(2)}–${(x.max / 1000).toFixed(2)})`;
const ms = (x) => `${x.median.toFixed(0)} ms (${x.min.toFixed(0)}–${x.max.toFixed(0)})`;
const cpu = (x) => (x ? `${(x.median / 1000).toFixed(2)} s` : '');
const rss = (x) => (x ? `${x.peakRssMiB.median.toFixed(0)} MiB` : '');
const rows = [
  ['cold, empty cache, 2 targets', f.cold],
  ['warm, index sends only ETags (304s)', f.warmEtag],
  ['warm, index sends `max-age=600`', f.warmMaxAge],
  ['`--offline` from the cache', f.offline],
  [`${r.largePackages.toLocaleString('en')} packages, \`--concurrency 64\``, f.large],
];
console.log('| run | wall, median (min–max) | CPU, median | peak RSS | requests |');
console.log('| --- | --- | --- | --- | --- |');
for (const [label, x] of rows) console.log(`| ${label} | ${s(x.wallMs)} | ${cpu(x.cpuMs)} | ${rss(x)} | ${x.requests.median.toFixed(0)} |`);
console.log(`| \`pypy-ready --version\` (node itself: ${f.startupNode.wallMs.median.toFixed(0)} ms) | ${ms(f.startupVersion.wallMs)} |  |  |  |`);
console.log(`| pip's dry run, same project and index | ${s(f.pip.wallMs)} |  |  | ${f.pip.requests.median.toFixed(0)} |`);
console.log(`\npip takes **${r.pipRatio}×** as long as a cold scan (medians of wall time).`);
