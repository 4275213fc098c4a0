/**
 * The loop every trainer shares: steps under a budget, logged curves, periodic evaluation, the
 * optional time cap, progress reports, and a non-finite loss ending the run as a result.
 *
 * @module
 */
import type { Budget, NetworkPoint, Progress, TrainOutcome } from "./trainer.ts";

/** What one (generator) step reports to the loop. */
export interface StepReport {
  /** The discriminator's (or second network's) loss at each of its updates in this step. */
  lossesD: number[];
  lossG: number;
  /** Gradient norms, measured on logging steps (−1 otherwise). */
  normD: number;
  normG: number;
  /** Set when a loss or logged norm went non-finite: the network it belongs to. */
  diverged?: "D" | "G";
  /**
   * Each network's own loss and gradient norm (−1 when not measured), by name, from trainers of
   * more than two networks; the curves average the losses over each log interval, as `lossD`.
   */
  networks?: Record<string, { loss: number; norm: number }>;
  /**
   * The step's own training time in seconds, when it is not the wall time of the `step` call
   * (seeds in lockstep: their share of the batched step, without waiting for the others).
   */
  seconds?: number;
}

/** What {@linkcode runTrainingLoop} drives. */
export interface LoopOptions {
  budget: Budget;
  /** Takes step `g` (1-based); `logging` asks for gradient norms. */
  step(g: number, logging: boolean): Promise<StepReport>;
  /** Scores the model at step `at` (0 before training). */
  evaluate(at: number): Promise<Record<string, number>> | Record<string, number>;
  onProgress?(progress: Progress): void;
}

/** Runs `options.step` up to the budget; returns the outcome (status, curves, evaluations, time). */
export async function runTrainingLoop(options: LoopOptions): Promise<TrainOutcome> {
  const { budget } = options;
  const outcome: TrainOutcome = {
    status: "completed",
    steps: 0,
    curves: [],
    evals: [],
    trainSeconds: 0,
    evalSeconds: 0,
  };
  const runEval = async (at: number) => {
    const start = performance.now();
    const metrics = await options.evaluate(at);
    outcome.evalSeconds += (performance.now() - start) / 1000;
    outcome.evals.push({ step: at, seconds: outcome.trainSeconds, metrics });
  };
  let sumD = 0, sumG = 0, countD = 0, countG = 0;
  /** Each network's loss summed since the last logged point (trainers that report networks). */
  let networkSums: Record<string, number> = {};
  const progressEvery = Math.max(1, Math.floor(budget.steps / 100));
  await runEval(0);
  let lastTurn = performance.now();
  for (let g = 1; g <= budget.steps; g++) {
    const started = performance.now();
    const logging = g % budget.logEvery === 0 || g === budget.steps;
    const report = await options.step(g, logging);
    outcome.trainSeconds += report.seconds ?? (performance.now() - started) / 1000;
    if (report.diverged) {
      outcome.divergence = { step: g, network: report.diverged };
      outcome.status = "diverged";
      break;
    }
    for (const loss of report.lossesD) sumD += loss;
    countD += report.lossesD.length;
    sumG += report.lossG;
    countG++;
    for (const [name, { loss }] of Object.entries(report.networks ?? {})) {
      networkSums[name] = (networkSums[name] ?? 0) + loss;
    }
    outcome.steps = g;
    if (logging) {
      outcome.curves.push({
        step: g,
        seconds: outcome.trainSeconds,
        lossD: sumD / countD,
        lossG: sumG / countG,
        gradNormD: report.normD,
        gradNormG: report.normG,
        ...(report.networks
          ? { networks: networkPoints(report.networks, networkSums, countG) }
          : {}),
      });
      networkSums = {};
      sumD =
        sumG =
        countD =
        countG =
          0;
    }
    // A turn of the event loop every 200 ms: training in the main thread (`--jobs 1`) would
    // otherwise hold off signal handlers (SIGTERM from scancel) until the cell ends.
    if (performance.now() - lastTurn > 200) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      lastTurn = performance.now();
    }
    if (g % progressEvery === 0) {
      options.onProgress?.({
        step: g,
        steps: budget.steps,
        lossD: report.lossesD.at(-1) ?? Number.NaN,
        lossG: report.lossG,
        trainSeconds: outcome.trainSeconds,
      });
    }
    const outOfTime = budget.maxSeconds !== undefined && outcome.trainSeconds >= budget.maxSeconds;
    if (g % budget.evalEvery === 0 || g === budget.steps || outOfTime) await runEval(g);
    if (outOfTime && g < budget.steps) {
      outcome.status = "time-limit";
      break;
    }
  }
  return outcome;
}

/** Each network's point: its loss averaged over the `count` steps summed, its last norm. */
function networkPoints(
  last: NonNullable<StepReport["networks"]>,
  sums: Record<string, number>,
  count: number,
): Record<string, NetworkPoint> {
  return Object.fromEntries(
    Object.entries(last).map(([name, { norm }]) => [
      name,
      { loss: sums[name] / count, gradNorm: norm },
    ]),
  );
}
