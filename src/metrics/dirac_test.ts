import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { LOSSES, REGULARISERS } from "../losses/mod.ts";
import { buildDirac } from "../models/dirac.ts";
import { buildMatrix } from "../runner/cells.ts";
import { describeEnvironment } from "../runner/environment.ts";
import { runCell } from "../runner/run_cell.ts";
import { loadSuite } from "../runner/suite.ts";
import { summariseTrajectory } from "./dirac.ts";

const backend = await initBackend("wasm");
const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

/** ∂(D loss)/∂ψ and ∂(G loss)/∂θ at (θ, ψ) through the registries, on the Dirac networks. */
function vectorField(loss: string, theta: number, psi: number, penalty?: [string, number]) {
  const pair = buildDirac({ theta, psi }, { sampleShape: [1], latentDim: 1, rng: new Rng(0) });
  const objective = LOSSES.get(loss);
  const n = 4;
  const real = tf.zeros([n, 1]);
  const latent = tf.zeros([n, 1]) as tf.Tensor2D;
  const dPsi = tf.variableGrads(() => {
    const fake = pair.generator.generate(latent);
    let total = objective.discriminatorLoss(
      pair.discriminator.discriminate(real),
      pair.discriminator.discriminate(fake),
    );
    if (penalty) {
      const [name, weight] = penalty;
      const context = { discriminator: pair.discriminator, real, fake, rng: new Rng(1) };
      total = tf.add(total, REGULARISERS.get(name).penalty!(context, weight));
    }
    return total as tf.Scalar;
  }, pair.discriminator.variables);
  const dTheta = tf.variableGrads(
    () => objective.generatorLoss(pair.discriminator.discriminate(pair.generator.generate(latent))),
    pair.generator.variables,
  );
  const value = (g: tf.NamedTensorMap) => Object.values(g)[0].dataSync()[0];
  return { psi: value(dPsi.grads), theta: value(dTheta.grads) };
}

function close(actual: number, expected: number, what: string) {
  assert.ok(Math.abs(actual - expected) < 1e-5, `${what}: ${actual} vs ${expected}`);
}

Deno.test("Dirac-GAN vector fields match the hand-derived gradients", () => {
  const [theta, psi] = [0.7, -0.4];
  // D minimises softplus(-ψ·0) + softplus(ψθ): ∂/∂ψ = σ(ψθ)·θ.
  const gan = vectorField("minimax", theta, psi);
  close(gan.psi, sigmoid(psi * theta) * theta, "gan dψ");
  // Minimax G minimises -softplus(ψθ): ∂/∂θ = -σ(ψθ)·ψ.
  close(gan.theta, -sigmoid(psi * theta) * psi, "gan dθ");
  // Non-saturating G minimises softplus(-ψθ): ∂/∂θ = -σ(-ψθ)·ψ.
  close(vectorField("non-saturating", theta, psi).theta, -sigmoid(-psi * theta) * psi, "nsgan dθ");
  // WGAN: critic loss ψθ - ψ·0, G loss -ψθ.
  const wgan = vectorField("wasserstein", theta, psi);
  close(wgan.psi, theta, "wgan dψ");
  close(wgan.theta, -psi, "wgan dθ");
  // R1 and R2 both add (γ/2)ψ², so γψ to D's gradient.
  close(
    vectorField("minimax", theta, psi, ["r1", 0.3]).psi,
    sigmoid(psi * theta) * theta + 0.3 * psi,
    "r1",
  );
  close(
    vectorField("minimax", theta, psi, ["r2", 0.3]).psi,
    sigmoid(psi * theta) * theta + 0.3 * psi,
    "r2",
  );
  // The gradient penalty λ(|ψ| - 1)² adds 2λ(|ψ| - 1)·sign(ψ).
  close(
    vectorField("wasserstein", theta, psi, ["gradient-penalty", 10]).psi,
    theta + 20 * (0.4 - 1) * -1,
    "gp",
  );
});

Deno.test("the Dirac suite shows which methods converge (Mescheder et al. 2018)", async () => {
  const suite = loadSuite("dirac");
  const expected: Record<string, number> = {
    "gan-sim": 0,
    "gan-alt": 0,
    "wgan-sim": 0,
    "wgan-alt": 0,
    "gan-r1-sim": 1,
    "gan-r2-alt": 1,
    "gan-noise-sim": 1,
    "gan-noise-alt": 1,
  };
  const cells = buildMatrix(suite, {
    profile: "quick",
    variants: Object.keys(expected),
    seeds: [0],
    backend: backend.name,
  });
  const environment = describeEnvironment(backend);
  for (const cell of cells) {
    const result = await runCell(cell, environment);
    assert.equal(result.status, "completed");
    assert.equal(
      result.final["dirac.converged"],
      expected[cell.config.variant],
      cell.config.variant,
    );
  }
});

Deno.test("summariseTrajectory reads convergence from the trailing quarter of the distances", () => {
  const evals = (distances: number[]) =>
    distances.map((d, step) => ({ step, seconds: 0, metrics: { "dirac.distance": d } }));
  const shrinking = summariseTrajectory(evals([1, 0.5, 0.2, 0.1, 0.04, 0.03, 0.02, 0.01]));
  assert.deepEqual(shrinking, {
    "dirac.window_min": 0.01,
    "dirac.window_max": 0.04,
    "dirac.converged": 1,
  });
  const circling = summariseTrajectory(evals([1, 1.1, 0.9, 1, 1.1, 0.9, 1, 1.1]));
  assert.equal(circling["dirac.converged"], 0);
  assert.equal(circling["dirac.window_max"], 1.1);
});
