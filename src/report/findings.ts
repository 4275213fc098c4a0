/**
 * A suite's findings in one sentence, for the top of the overview and of each suite page: what the
 * pairwise tests behind the tables separate and what they do not, the best mean, and the rows the
 * tables flag (not converged, converged, diverged). Computed from the leaderboard alone (the same
 * comparisons, ranks and flags the tables show), never written by hand.
 *
 * @module
 */
import { ALPHA } from "./ranking.ts";
import {
  formatNumber,
  type Leaderboard,
  type LeaderboardRow,
  type TableComparisons,
} from "./leaderboard.ts";

/** Names listed in a clause before "and N more". */
const NAMES_SHOWN = 4;

/** "a", "a and b", "a, b and c", "a, b, c, d and 3 more". */
export function nameList(names: string[], shown = NAMES_SHOWN): string {
  if (names.length <= 1) return names.join("");
  if (names.length > shown + 1) {
    return `${names.slice(0, shown).join(", ")} and ${names.length - shown} more`;
  }
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** The variants a table's separated pairs put ahead, each with the variants it beats. */
function separatedClause(table: TableComparisons): string {
  const beats = new Map<string, string[]>();
  for (const pair of table.pairs) {
    if (pair.better === undefined) continue;
    const worse = pair.better === pair.a ? pair.b : pair.a;
    beats.set(pair.better, [...(beats.get(pair.better) ?? []), worse]);
  }
  const winners = [...beats].sort((x, y) => y[1].length - x[1].length || x[0].localeCompare(y[0]));
  const separated = table.pairs.filter((p) => p.better !== undefined).length;
  const claims = winners.slice(0, 2).map(([winner, losers]) =>
    `${winner} is better than ${nameList(losers)}`
  );
  const rest = separated - winners.slice(0, 2).reduce((n, [, l]) => n + l.length, 0);
  return `${claims.join(", ")}${rest > 0 ? ` (and ${rest} more separated pairs)` : ""}; ${
    table.pairs.length - separated
  } of ${table.pairs.length} pairs are not separated`;
}

/** The seeds per row behind a table's ranked rows: "1 seed", "3 seeds", or "3–5 seeds". */
function seedsOf(rows: LeaderboardRow[]): string {
  const n = rows.filter((r) => r.rank).map((r) => r.seeds - r.diverged);
  const [low, high] = [Math.min(...n), Math.max(...n)];
  return low === high ? `${low} seed${low === 1 ? "" : "s"}` : `${low}–${high} seeds`;
}

/** Why none of a table's pairs is separated: too few seeds, or the values overlap. */
function unseparatedClause(table: TableComparisons, rows: LeaderboardRow[]): string {
  const variants = table.ranked === 2
    ? "the 2 variants"
    : `any two of the ${table.ranked} variants`;
  if (table.tooFewSeeds) {
    return `${seedsOf(rows)} per variant cannot tell ${variants} apart${
      table.seedsNeeded ? ` (about ${table.seedsNeeded} seeds each would be needed)` : ""
    }`;
  }
  return table.ranked === 2
    ? `the 2 variants are not separated at family-wise ${ALPHA}`
    : `no two of the ${table.ranked} variants are separated at family-wise ${ALPHA}`;
}

/** What the tables flag among `rows`: not converged, converged in every seed, diverged. */
function flagClauses(rows: LeaderboardRow[]): string[] {
  const clauses: string[] = [];
  const of = rows.length;
  const notConverged = rows.filter((r) => r.notConverged);
  if (notConverged.length) {
    // The reason reads "hq 0.069 < 0.5": the figure and its threshold.
    const reason = notConverged[0].notConverged![0].replace(/^(.*) \S+ < (\S+)$/, "$1 < $2");
    clauses.push(
      notConverged.length === of
        ? `every variant is marked not converged (${reason})`
        : `${nameList(notConverged.map((r) => r.variant))} ${
          notConverged.length === 1 ? "is" : "are"
        } marked not converged (${reason})`,
    );
  }
  const converging = rows.filter((r) => r.converged !== undefined);
  if (converging.length) {
    const always = converging.filter((r) => r.converged === 1).map((r) => r.variant);
    const never = converging.filter((r) => r.converged === 0 && r.diverged < r.seeds).length;
    clauses.push(
      always.length
        ? `${nameList(always)} converge in every seed (${always.length} of ${of}), ${never} in none`
        : `no variant converges in every seed`,
    );
  }
  const allDiverged = rows.filter((r) => r.seeds && r.diverged === r.seeds).map((r) => r.variant);
  if (allDiverged.length) {
    clauses.push(
      `${nameList(allDiverged)} diverge${allDiverged.length === 1 ? "s" : ""} in every seed`,
    );
  }
  const someDiverged = rows.filter((r) => r.diverged && r.diverged < r.seeds);
  if (someDiverged.length) {
    clauses.push(
      `${
        nameList(someDiverged.map((r) => `${r.variant} (${r.diverged}/${r.seeds})`))
      } diverge in some seeds`,
    );
  }
  return clauses;
}

/** Clauses that share their text, merged: "on a and b, <text>" (the datasets in table order). */
function grouped(clauses: { dataset: string; text: string }[], datasets: number): string[] {
  const byText = new Map<string, string[]>();
  for (const { dataset, text } of clauses) byText.set(text, [...(byText.get(text) ?? []), dataset]);
  return [...byText].map(([text, names]) =>
    datasets < 2
      ? text
      : names.length === datasets
      ? `${datasets === 2 ? "on both datasets" : `on all ${datasets} datasets`}, ${text}`
      : `on ${nameList(names, names.length)}, ${text}`
  );
}

/**
 * The suite's findings as one sentence, from the same comparisons as its tables: the pairs the
 * tests separate (or why none is) per dataset, the best mean of the primary figure where nothing
 * is separated, and the rows the tables flag (not converged, converged, diverged). Datasets with
 * the same outcome share a clause.
 *
 * @param board the suite's leaderboard at one profile.
 * @returns one sentence, ending with a full stop.
 */
export function findingSentence(board: Leaderboard): string {
  const tables = board.comparisons.map((table) => {
    const rows = board.rows.filter((r) => r.dataset === table.dataset);
    return { table, rows, separated: table.pairs.some((p) => p.better !== undefined) };
  });
  if (!tables.length) return "No results.";
  const named = tables.length > 1;
  const separation = grouped(
    tables.map(({ table, rows, separated }) => ({
      dataset: table.dataset,
      text: table.ranked < 2
        ? "nothing to compare"
        : separated
        ? separatedClause(table)
        : unseparatedClause(table, rows),
    })),
    tables.length,
  );
  const label = board.figures.find((f) => f.key === board.primary)?.label ?? board.primary;
  const best = tables.filter((t) => !t.separated && t.table.ranked >= 2).flatMap(
    ({ table, rows }) => {
      const row = rows.find((r) => r.figures[board.primary]);
      return row
        ? [
          `${row.variant}${named ? ` on ${table.dataset}` : ""} (${
            formatNumber(row.figures[board.primary].mean)
          })`,
        ]
        : [];
    },
  );
  const flags = grouped(
    tables.flatMap(({ table, rows }) => {
      const text = flagClauses(rows).join("; ");
      return text ? [{ dataset: table.dataset, text }] : [];
    }),
    tables.length,
  );
  const clauses = [
    ...separation,
    ...(best.length ? [`best mean ${label}: ${nameList(best, best.length)}`] : []),
    ...flags,
  ];
  const text = clauses.join("; ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
