/**
 * Ranks with ties: rows sorted best-first share a rank with the row above when the difference of
 * their primary figure over seeds is not significant, judged by a percentile bootstrap: 2,000
 * resamples of each row's seeds (with replacement, from a fixed seed, so a rebuild is identical)
 * give a 95% confidence interval of the difference of means; an interval containing 0 is a tie.
 *
 * @module
 */
import { mean, quantileSorted } from "simple-statistics";
import { Rng } from "../engine/rng.ts";

/** Bootstrap resamples per comparison. */
export const BOOTSTRAP_RESAMPLES = 2000;
/** Two-sided confidence level of the interval. */
export const CONFIDENCE = 0.95;

/** The 95% percentile-bootstrap interval of mean(b) − mean(a). */
export function bootstrapDifference(a: number[], b: number[], rng: Rng): [number, number] {
  const resampleMean = (values: number[]) => {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[rng.int(values.length)];
    return sum / values.length;
  };
  const differences = Array.from(
    { length: BOOTSTRAP_RESAMPLES },
    () => resampleMean(b) - resampleMean(a),
  )
    .sort((x, y) => x - y);
  const tail = (1 - CONFIDENCE) / 2;
  return [quantileSorted(differences, tail), quantileSorted(differences, 1 - tail)];
}

/** A row's rank and whether it ties with the row above. */
export interface Rank {
  rank: number;
  tied: boolean;
  /** "3", or "=2" for a tie. */
  label: string;
}

/**
 * Competition ranks (1, =1, 3, ...) for rows already sorted best-first, given each row's per-seed
 * values of the primary figure (undefined or empty: no figure, never tied). A row joins the tie
 * group of the rows above when it is not significantly different from the group's first row;
 * comparing with the first row, not the previous one, keeps ties from chaining down the table.
 */
export function rankWithTies(values: (number[] | undefined)[], seed = 0): Rank[] {
  const rng = new Rng(seed);
  const ranks: Rank[] = [];
  let leader = 0;
  values.forEach((current, i) => {
    const first = values[leader];
    let tied = false;
    if (i > 0 && current?.length && first?.length) {
      if (current.length === 1 && first.length === 1) {
        tied = current[0] === first[0];
      } else {
        const [low, high] = bootstrapDifference(first, current, rng);
        tied = (low <= 0 && high >= 0) || mean(current) === mean(first);
      }
    }
    if (!tied) leader = i;
    const rank = tied ? ranks[leader].rank : i + 1;
    ranks.push({ rank, tied, label: tied ? `=${rank}` : String(rank) });
  });
  // The first row of a tie group is tied too.
  ranks.forEach((r, i) => {
    if (ranks[i + 1]?.tied && !r.tied) r.label = `=${r.rank}`;
  });
  return ranks;
}
