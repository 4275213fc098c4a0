/**
 * The README's readings, each quoted verbatim with the query behind its numbers (see
 * audit_readings.ts for the grammar): the README is edited by the integrator alone, so its claims
 * are tied to their sources here instead of by markers in its text. A quote the README no longer
 * holds is reported, so that this list follows the README.
 *
 * @module
 */
import type { QuoteClaim } from "./audit_readings.ts";

/** Quoted README sentences (fragments) and their sources. */
export const README_CLAIMS: QuoteClaim[] = [
  { quote: "reuses the 449 committed cells", query: "*/quick cells" },
  { quote: "trains 48 cells", query: "dirac/quick cells" },
  { quote: "(`mixtures`, 160 cells", query: "mixtures/quick cells" },
  { quote: "a plumbing check, 32 cells of 40", query: "suite:mixtures json profiles.smoke.steps" },
  {
    quote: "The run trains 16 variants x 3",
    query: "dirac/quick row dirac gan-alt dirac.distance seeds",
  },
  { quote: "The run trains 16 variants", query: "dirac/quick rows dirac" },
  {
    quote: "| 1–14  | gan-noise-alt  | 0.003 ± 0.002    | 0.000 – 0.008 | 7.99e-4 ± 2.92e-4",
    query: "dirac/quick row dirac gan-noise-alt dirac.window_min mean±std",
  },
  {
    quote: "| 1–14  | gan-noise-alt  | 0.003 ± 0.002    | 0.000 – 0.008",
    query: "dirac/quick row dirac gan-noise-alt dirac.distance ci",
  },
  {
    quote: "| 1–14  | gan-noise-alt  | 0.003 ± 0.002",
    query: "dirac/quick row dirac gan-noise-alt dirac.distance mean±std",
  },
  {
    quote: "| 1–14  | gan-noise-alt",
    query: "dirac/quick row dirac gan-noise-alt dirac.distance rank",
  },
  {
    quote: "| 12–14 | gan-sim        | 3.354 ± 0.000",
    query: "dirac/quick row dirac gan-sim dirac.distance mean±std",
  },
  {
    quote: "| 5–7   | nsgan-alt      | 0.284",
    query: "dirac/quick row dirac nsgan-alt dirac.distance mean",
  },
  {
    quote: "the R1 and R2 rows reach the equilibrium (distance 8.5e-21 to 2.7e-16",
    wrong: "the R1 and R2 rows reach the equilibrium (distance 1e-21 to 1e-16",
    query:
      "dirac/quick range dirac gan-r1-sim,gan-r2-sim,gan-r1-alt,gan-r2-alt dirac.distance mean",
  },
  {
    quote: "converged in 3 of 3",
    query: "dirac/quick count dirac gan-r1-sim dirac.converged eq 1",
  },
  {
    quote: "instance noise ends 0.0008 to 0.0056",
    query: "dirac/quick seedrange dirac gan-noise-alt,gan-noise-sim dirac.distance",
  },
  {
    quote: "away (mean 0.003",
    query: "dirac/quick row dirac gan-noise-alt dirac.distance mean",
  },
  {
    // The `wgan-gp-l1-*` rows are WGAN-GP with penalty weight λ = 1, not an L1 penalty.
    quote: "WGAN-GP with penalty weight λ = 1 stay 0.3 to 3.4",
    wrong: "WGAN-GP with an L1 penalty stay 0.3 to 3.4",
    query:
      "dirac/quick range dirac gan-alt,gan-sim,nsgan-alt,nsgan-sim,wgan-alt,wgan-sim,wgan-gp-l1-alt,wgan-gp-l1-sim dirac.distance mean",
  },
  {
    quote: "default penalty diverges at step 42",
    query: "dirac/quick row dirac wgan-gp-alt dirac.distance divergedat",
  },
  { quote: "the 66", query: "dirac/quick table dirac byvalue" },
  { quote: "Holm over the 25", query: "dirac/quick table dirac tested" },
  {
    quote: "seed 0: 5 of",
    query: "mixtures/quick samples ring8 nsgan 0 modes.covered",
  },
  {
    quote: "seed 0: 5 of the 8 modes covered, 40%",
    query: "mixtures/quick samples ring8 nsgan 0 modes.hq pct",
  },
  {
    quote: '"kl": 1.3733606369288254,\n    "mass": 0.2487203719709617',
    query: "mixtures/quick samples ring8 nsgan 0 modes.mass",
  },
  {
    quote: "the cell's own figures, from 2,500 samples, cover 7",
    query: "mixtures/quick cell ring8 nsgan 0 modes.covered",
  },
];
