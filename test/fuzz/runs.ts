/**
 * How much fuzzing a run does. The unit suite runs a small, fixed-seed sample of every property, so
 * a failure reproduces; `npm run fuzz` runs 100,000 cases per property (FUZZ_RUNS) with a fresh seed
 * unless FUZZ_SEED is given, and also the `*.timing.fuzz.ts` properties (time linear in the input).
 */
export function fuzzRuns(unitSuiteRuns = 200): number {
  const fromEnv = Number(process.env['FUZZ_RUNS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : unitSuiteRuns;
}

export function fuzzSeed(): number {
  const fromEnv = Number(process.env['FUZZ_SEED']);
  if (Number.isInteger(fromEnv)) return fromEnv;
  return process.env['FUZZ_RUNS'] ? Date.now() % 2 ** 31 : 42;
}

/** fast-check parameters for one property: fixed seed in the unit suite, printed seed under `npm run fuzz`. */
export function fuzzParameters(unitSuiteRuns = 200): { numRuns: number; seed: number; endOnFailure: boolean } {
  return { numRuns: fuzzRuns(unitSuiteRuns), seed: fuzzSeed(), endOnFailure: true };
}
