/**
 * Bounds on the products of a suite's sizes that no single bound catches: hidden widths each
 * within 16,384 but 32 of them (8.6 billion weights), or two of them at batch 65,536 (4.3
 * billion activations: the WebAssembly backend's 4 GB memory runs out, exit 70). The estimate is
 * a lower bound read from the architecture's parsed options (width lists and convolution bases),
 * so that it never refuses a network that would fit; the bounds leave the bundled suites' largest
 * networks far inside them.
 *
 * @module
 */

/**
 * The most trainable parameters of a cell's networks: 100 million float32 weights, with their
 * gradients and Adam's two moments 1.6 GB (the bundled suites' largest, CycleGAN's, hold under
 * 1 million).
 */
export const MAX_PARAMETERS = 100_000_000;

/**
 * The most activations of one training batch, over the networks' layers: 256 million float32
 * values (1 GB), a quarter of the WebAssembly backend's 4 GB memory, which also holds the
 * backward pass.
 */
export const MAX_BATCH_ACTIVATIONS = 256_000_000;

/** A lower bound on a network's size: trainable parameters and activations per sample. */
export interface ModelSize {
  parameters: number;
  activationsPerSample: number;
}

/**
 * A lower bound on the size of the networks of parsed architecture options `model`, for samples
 * of `sampleShape`: every `hidden` width list counts the weight matrices between consecutive
 * widths and the widths themselves; every convolution `base` counts one base x 2·base 4x4
 * convolution and one layer of base channels at half the sample's resolution.
 */
export function modelSize(model: unknown, sampleShape: number[]): ModelSize {
  const [height = 1, width = 1] = sampleShape;
  const size: ModelSize = { parameters: 0, activationsPerSample: 0 };
  const stack: unknown[] = [model];
  while (stack.length) {
    const value = stack.pop();
    if (!value || typeof value !== "object" || Array.isArray(value)) continue;
    const record = value as Record<string, unknown>;
    const hidden = record.hidden;
    if (Array.isArray(hidden) && hidden.every((h) => typeof h === "number")) {
      const widths = hidden as number[];
      for (let i = 1; i < widths.length; i++) size.parameters += widths[i - 1] * widths[i];
      size.activationsPerSample += (hidden as number[]).reduce((a, b) => a + b, 0);
    }
    if (typeof record.base === "number") {
      size.parameters += 32 * record.base * record.base;
      size.activationsPerSample += record.base * Math.ceil(height / 2) * Math.ceil(width / 2);
    }
    stack.push(...Object.values(record));
  }
  return size;
}

/**
 * Why a network of `size` cannot train at `batchSize` (more than {@linkcode MAX_PARAMETERS}, or
 * more than {@linkcode MAX_BATCH_ACTIVATIONS} activations per batch), or undefined.
 */
export function modelSizeProblem(size: ModelSize, batchSize: number): string | undefined {
  if (size.parameters > MAX_PARAMETERS) {
    return `its networks hold at least ${size.parameters} parameters, more than ${MAX_PARAMETERS}`;
  }
  const activations = size.activationsPerSample * batchSize;
  if (activations > MAX_BATCH_ACTIVATIONS) {
    return `its networks hold at least ${size.activationsPerSample} activations per sample, ${activations} per batch of ${batchSize}, more than ${MAX_BATCH_ACTIVATIONS}`;
  }
  return undefined;
}
