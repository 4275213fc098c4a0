/**
 * Optimisers that update all of a player's weights as one flat vector. tfjs' own optimisers run
 * about 14 kernels per weight tensor (228 for the mixture MLP pair), and at these model sizes each
 * kernel costs more in dispatch than in arithmetic; here the gradients are concatenated, the rule
 * runs once on the flat vector with flat state, and the step is split back onto the weights
 * (about 4 kernels per weight tensor plus a dozen). Where the backend has the fused kernels
 * (`@ganbench/wasm-kernels` fused ops: wasm), Adam's or RMSprop's whole update is one kernel, with the same
 * bits. The rules are PyTorch's (`torch.optim.Adam`, `RMSprop`, `SGD` with their defaults), which
 * the suites' hyper-parameters come from.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { adamUpdate, rmspropUpdate } from "@ganbench/wasm-kernels";
import { ownedVariable } from "../models/layers.ts";

/** What the training loop needs of an optimiser. */
export interface Optimizer {
  /** Applies one step from `grads` (by variable name) to the variables they belong to. */
  applyGradients(grads: tf.NamedTensorMap): void;
  /** Releases the optimiser's state. */
  dispose(): void;
}

/** An update rule on flat vectors: returns the step to subtract, updating its own state. */
interface FlatRule {
  /** Creates the rule's state for `size` weights. */
  init(size: number): void;
  /** The step (to subtract) for gradient `g` at iteration `t` (1-based); called inside a tidy. */
  step(g: tf.Tensor1D, t: number): tf.Tensor1D;
  /**
   * The whole update of `variables` from `grads` (in the same order) in one fused kernel, where
   * the backend has one: false where it does not (then `step` runs). Called inside a tidy.
   */
  fusedUpdate?(grads: tf.Tensor[], variables: tf.Variable[], t: number): boolean;
  dispose(): void;
}

/** A learning rate: fixed, or a function of the iteration (1-based), e.g. a decay schedule. */
export type LearningRate = number | ((iteration: number) => number);

/** The rate `rate` gives at iteration `t`. */
function rateAt(rate: LearningRate, t: number): number {
  return typeof rate === "number" ? rate : rate(t);
}

/** A zero-initialised flat state vector. */
function state(size: number): tf.Variable<tf.Rank.R1> {
  return ownedVariable(tf.zeros([size]), false) as tf.Variable<tf.Rank.R1>;
}

/** Adam (Kingma & Ba), as torch.optim.Adam: bias-corrected moments, eps added to sqrt(v̂). */
function adamRule(
  learningRate: LearningRate,
  beta1: number,
  beta2: number,
  epsilon: number,
): FlatRule {
  let m: tf.Variable<tf.Rank.R1> | undefined;
  let v: tf.Variable<tf.Rank.R1> | undefined;
  return {
    init(size) {
      m = state(size);
      v = state(size);
    },
    fusedUpdate(grads, variables, t) {
      const rule = { learningRate: rateAt(learningRate, t), beta1, beta2, epsilon };
      const updated = adamUpdate({ m: m!, v: v! }, grads, variables, rule, t);
      if (!updated) return false;
      m!.assign(updated.m);
      v!.assign(updated.v);
      variables.forEach((variable, i) => variable.assign(updated.weights[i]));
      return true;
    },
    step(g, t) {
      m!.assign(tf.add(tf.mul(m!, beta1), tf.mul(g, 1 - beta1)));
      v!.assign(tf.add(tf.mul(v!, beta2), tf.mul(tf.square(g), 1 - beta2)));
      const stepSize = rateAt(learningRate, t) / (1 - beta1 ** t);
      const denominator = tf.add(tf.sqrt(tf.div(v!, 1 - beta2 ** t)), epsilon);
      return tf.div(tf.mul(m!, stepSize), denominator);
    },
    dispose() {
      m?.dispose();
      v?.dispose();
    },
  };
}

/** RMSprop as torch.optim.RMSprop (no momentum, not centred): lr·g / (sqrt(v) + eps). */
function rmspropRule(learningRate: LearningRate, alpha: number, epsilon: number): FlatRule {
  let v: tf.Variable<tf.Rank.R1> | undefined;
  return {
    init(size) {
      v = state(size);
    },
    fusedUpdate(grads, variables, t) {
      const rate = rateAt(learningRate, t);
      const updated = rmspropUpdate(v!, grads, variables, { alpha, learningRate: rate, epsilon });
      if (!updated) return false;
      v!.assign(updated.v);
      variables.forEach((variable, i) => variable.assign(updated.weights[i]));
      return true;
    },
    step(g, t) {
      v!.assign(tf.add(tf.mul(v!, alpha), tf.mul(tf.square(g), 1 - alpha)));
      return tf.div(tf.mul(g, rateAt(learningRate, t)), tf.add(tf.sqrt(v!), epsilon));
    },
    dispose() {
      v?.dispose();
    },
  };
}

/** Plain gradient descent. */
function sgdRule(learningRate: LearningRate): FlatRule {
  return {
    init() {},
    step: (g, t) => tf.mul(g, rateAt(learningRate, t)),
    dispose() {},
  };
}

/**
 * Runs `rule` over the concatenation of the gradients of a fixed set of variables (fixed by the
 * first call; later calls must name the same variables).
 */
class FlatOptimizer implements Optimizer {
  private names: string[] | undefined;
  private variables: tf.Variable[] = [];
  private iteration = 0;

  constructor(private readonly rule: FlatRule) {}

  applyGradients(grads: tf.NamedTensorMap): void {
    if (!this.names) this.bind(Object.keys(grads));
    const names = this.names!;
    if (Object.keys(grads).length !== names.length || names.some((n) => !(n in grads))) {
      throw new Error("a flat optimiser must be given the same variables at every step");
    }
    this.iteration++;
    tf.tidy(() => {
      const ordered = names.map((n) => grads[n]);
      if (this.rule.fusedUpdate?.(ordered, this.variables, this.iteration)) return;
      const flat = tf.concat(names.map((n) => tf.reshape(grads[n], [-1]))) as tf.Tensor1D;
      const step = this.rule.step(flat, this.iteration);
      const pieces = tf.split(step, this.variables.map((v) => v.size));
      this.variables.forEach((variable, i) => {
        variable.assign(tf.sub(variable, tf.reshape(pieces[i], variable.shape)));
      });
    });
  }

  private bind(names: string[]): void {
    const registered = tf.engine().registeredVariables;
    this.variables = names.map((name) => {
      const variable = registered[name];
      if (!variable) throw new Error(`no variable named '${name}' to optimise`);
      return variable;
    });
    this.names = names;
    this.rule.init(this.variables.reduce((sum, v) => sum + v.size, 0));
  }

  dispose(): void {
    this.rule.dispose();
  }
}

/** Adam over flat weights (torch.optim.Adam's rule). */
export function flatAdam(
  learningRate: LearningRate,
  beta1: number,
  beta2: number,
  epsilon = 1e-8,
): Optimizer {
  return new FlatOptimizer(adamRule(learningRate, beta1, beta2, epsilon));
}

/** RMSprop over flat weights (torch.optim.RMSprop's rule, defaults alpha 0.99, eps 1e-8). */
export function flatRmsprop(
  learningRate: LearningRate,
  alpha = 0.99,
  epsilon = 1e-8,
): Optimizer {
  return new FlatOptimizer(rmspropRule(learningRate, alpha, epsilon));
}

/** Gradient descent over flat weights. */
export function flatSgd(learningRate: LearningRate): Optimizer {
  return new FlatOptimizer(sgdRule(learningRate));
}
