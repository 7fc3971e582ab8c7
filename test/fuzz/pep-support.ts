/**
 * Shared pieces of the pep/ and pypi/ fuzz properties: the "only the typed error" check, an
 * outside oracle (Python's own packaging and html.parser, run once per batch), and the linear-time
 * check used by the `*.timing.fuzz.ts` files.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect } from 'vitest';
import { fuzzRuns, fuzzSeed } from './runs.js';

/** The longest message any parser may produce: one quoted, bounded excerpt plus a sentence. */
export const MAX_MESSAGE = 600;

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Run `fn`; if it throws, the error must be an instance of `typed` with a one-line, bounded message
 * (anything else — TypeError, RangeError from a stack overflow, a multi-line message — fails).
 * Returns the result, or `undefined` when the typed error was thrown.
 */
export function onlyTyped<T>(typed: ErrorClass | readonly ErrorClass[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    const classes = Array.isArray(typed) ? typed : [typed];
    if (!classes.some((c) => error instanceof c)) {
      throw new Error(`expected ${classes.map((c) => c.name).join(' or ')}, got ${String((error as Error)?.name)}: ${String((error as Error)?.message).slice(0, 300)}`);
    }
    expectOneLine((error as Error).message);
    return undefined;
  }
}

/** A message shown to a user: one line, bounded, no control characters. */
export function expectOneLine(message: string, max = MAX_MESSAGE): void {
  expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  // Bidirectional controls would let a hostile name reorder what is shown after it.
  expect(message).not.toMatch(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
  expect(message.length).toBeLessThanOrEqual(max);
}

/**
 * `fc.assert` in chunks of CHUNK runs with a macrotask between them: a property run for minutes
 * in one go blocks the worker, and vitest's RPC to it times out ("Timeout calling onTaskUpdate").
 * Chunk k uses seed + k, so a failure in the first chunk reproduces with FUZZ_SEED=<seed>, and
 * fast-check prints the seed of whichever chunk failed.
 */
const CHUNK = 2_000;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function fuzzAssert<Ts extends [unknown, ...unknown[]]>(
  property: fc.IProperty<Ts>,
  parameters: { numRuns: number; seed: number; endOnFailure: boolean },
): Promise<void> {
  for (let done = 0, k = 0; done < parameters.numRuns; done += CHUNK, k++) {
    fc.assert(property, { ...parameters, numRuns: Math.min(CHUNK, parameters.numRuns - done), seed: (parameters.seed + k) | 0 });
    await yieldToEventLoop();
  }
}

/** Hand `items` to `check` in chunks (one oracle call each), yielding to the event loop between them. */
export async function inChunks<T>(items: T[], check: (chunk: T[], start: number) => void, size = 5_000): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    check(items.slice(start, start + size), start);
    await yieldToEventLoop();
  }
}

/** One seed per run (fuzzSeed() draws a fresh one per call under `npm run fuzz`), printed on failure. */
const BATCH_SEED = fuzzSeed();

/** A fixed-seed sample in the unit suite, `FUZZ_RUNS` fresh cases under `npm run fuzz`. */
export function batch<T>(arbitrary: fc.Arbitrary<T>, unitSuiteRuns = 200): T[] {
  return fc.sample(arbitrary, { numRuns: fuzzRuns(unitSuiteRuns), seed: BATCH_SEED });
}

// ---------------------------------------------------------------------------------------------
// The outside oracle
// ---------------------------------------------------------------------------------------------

function pythonCan(imports: string): boolean {
  const probe = spawnSync('python3', ['-c', imports], { encoding: 'utf8', timeout: 30_000 });
  return probe.status === 0;
}

/** pip 23's vendored packaging (21.3): what versions.ts follows for PEP 440. */
export const hasPipPackaging = pythonCan('import pip._vendor.packaging.version, pip._vendor.packaging.specifiers');
/** packaging 26: what markers.ts and requirements.ts follow for PEP 508. */
export const hasPackaging26 = pythonCan(
  'import packaging, sys; sys.exit(0 if int(packaging.__version__.split(".")[0]) >= 26 else 1)',
);
/** pip's own `HTMLLinkParser` (html.parser underneath): what reads a PEP 503 page. */
export const hasPipHtmlParser = pythonCan('from pip._internal.index.collector import HTMLLinkParser');

/**
 * Run `script` under python3 with `input` as JSON on stdin; the script prints one JSON document
 * on stdout. Used once per batch, so 100,000 cases cost one interpreter start.
 */
export function python<T>(script: string, input: unknown): T {
  const run = spawnSync('python3', ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
    timeout: 600_000,
  });
  if (run.status !== 0) throw new Error(`python3 failed (${String(run.status)}): ${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout) as T;
}

/** Untrusted text in a failure message: quoted and cut to a readable length. */
export function show(text: string, max = 160): string {
  const quoted = JSON.stringify(text);
  // The log file (FUZZ_MISMATCH_LOG) gets the whole text, to reproduce from.
  if (process.env['FUZZ_MISMATCH_LOG']) return quoted;
  return quoted.length > max ? `${quoted.slice(0, max)}…(${text.length} chars)` : quoted;
}

/** One failure message listing (up to 20) disagreements, so a regression reads as a list of cases. */
export function expectNoMismatches(what: string, mismatches: string[]): void {
  if (process.env['FUZZ_MISMATCH_LOG']) appendFileSync(process.env['FUZZ_MISMATCH_LOG'], `## ${what}\n${mismatches.join('\n')}\n`);
  const shown = mismatches.slice(0, 20).join('\n');
  expect(mismatches, `${mismatches.length} ${what} (FUZZ_SEED=${BATCH_SEED}):\n${shown}`).toHaveLength(0);
}

// ---------------------------------------------------------------------------------------------
// Linear time
// ---------------------------------------------------------------------------------------------

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Median time of `runs` calls of `run(build(n, salt))`, each with a different salt: the parsers
 * memoise answers, and a repeated input would measure the cache. Building is not timed.
 */
export function medianMs(build: (n: number, salt: number) => string, run: (input: string) => unknown, n: number, runs = 5): number {
  const times: number[] = [];
  for (let salt = 0; salt < runs; salt++) {
    const input = build(n, salt);
    const start = performance.now();
    try {
      run(input);
    } catch {
      // Typed errors are the fuzz properties' business; only the time counts here.
    }
    times.push(performance.now() - start);
  }
  return median(times);
}

export interface LinearityCase {
  label: string;
  /** An input of about `n` characters built from one hostile pattern; `salt` makes each run distinct. */
  build: (n: number, salt: number) => string;
  run: (input: string) => unknown;
}

/**
 * Below this a time says more about the garbage collector and the machine's other work than about
 * the parser. Quadratic cases take hundreds of milliseconds at 100 KB, so the floor hides none.
 */
const FLOOR_MS = 10;

/**
 * Doubling the input at most ~triples the time (linear, with room for noise and GC), and a 5 MB
 * input of the same shape finishes in under 2 s. Times below FLOOR_MS count as FLOOR_MS.
 */
export function expectLinear({ label, build, run }: LinearityCase, n = 100_000, bigN = 5_000_000): void {
  medianMs(build, run, n, 2); // warm up the JIT
  let small = 0;
  let large = 0;
  // Up to three tries: a GC pause or a busy machine (the suite shares it) can spoil a measurement.
  for (let attempt = 0; attempt < 3; attempt++) {
    small = medianMs(build, run, n);
    large = medianMs(build, run, 2 * n);
    if (large / Math.max(small, FLOOR_MS) < 3) break;
  }
  const ratio = large / Math.max(small, FLOOR_MS);
  expect(ratio, `${label}: ${small.toFixed(1)} ms at ${n}, ${large.toFixed(1)} ms at ${2 * n}`).toBeLessThan(3);
  let big = medianMs(build, run, bigN, 1);
  if (big >= 2000) big = Math.min(big, medianMs(build, run, bigN, 1));
  expect(big, `${label}: ${big.toFixed(0)} ms at ${bigN}`).toBeLessThan(2000);
}

/** One character runs and short words that have made parsers of this kind quadratic. */
export const HOSTILE_PATTERNS = [
  ' ', '\t', '\n', '(', ')', '[', ']', ',', '=', '<', '>', '&', '"', "'", '\\', ';', '@', '.', '-', '_', '0', 'a', '!', '+', '*', '#',
  'and ', ' or', '((', '[a,', '==1,', '-1', '1.', '.1', 'a ', '\r\n', '\n ', ' \n', 'x"', '&#', '<a', '</a', '<!--',
];

/** Repeat `pattern` to about `n` characters. */
export function repeatTo(pattern: string, n: number): string {
  return pattern.repeat(Math.max(1, Math.ceil(n / pattern.length)));
}
