/**
 * Does a wheel install on a target, and how good a match is it? This is the question pip answers
 * when it picks a file: any of the wheel's tags must be accepted; the best-ranked tag decides.
 */
import type { WheelFilename } from '../pep/filenames.js';
import { tagToString, type Tag } from '../pep/tags.js';
import type { Target } from './target.js';

/**
 * Ranks already computed, per target and tag list: wheel file names share a handful of tag sets
 * (parsed once each, see `parseWheelFilename`), and a page of 20,000 files asks about each file.
 */
const ranksByTarget = new WeakMap<Target, WeakMap<readonly Tag[], number | null>>();

/** Rank of the wheel's best tag on the target (lower is better), or `null` when it does not install. */
export function wheelRank(wheel: Pick<WheelFilename, 'tags'>, target: Target): number | null {
  let ranks = ranksByTarget.get(target);
  if (ranks === undefined) ranksByTarget.set(target, (ranks = new WeakMap()));
  const known = ranks.get(wheel.tags);
  if (known !== undefined) return known;
  let best: number | null = null;
  for (const tag of wheel.tags) {
    const rank = target.rankOf(tagToString(tag));
    if (rank !== undefined && (best === null || rank < best)) best = rank;
  }
  ranks.set(wheel.tags, best);
  return best;
}

export function isWheelCompatible(wheel: Pick<WheelFilename, 'tags'>, target: Target): boolean {
  return wheelRank(wheel, target) !== null;
}
