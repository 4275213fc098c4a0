/**
 * Inputs read as their format means and bounded before they are read (issue #30): the right
 * answers for inputs that are fine (grey+alpha and 16-bit PNGs, symlinked samples, statistics
 * with extra keys, one-input `--save-stats`), and the checks' own properties (limits that leave
 * every bundled suite and stored cell alone). The bad inputs themselves are in the fuzz corpus
 * (testing/fuzz_corpus.ts, src/fuzz_corpus_test.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pngBytes } from "../testing/png.ts";
import { f8, npzBytes, uniform } from "../testing/fuzz_corpus.ts";
import { parseCommandLine } from "./cli_options.ts";
import { COMMANDS } from "./cli.ts";
import { printable } from "./data/input_file.ts";
import { readNpz, zipMembers } from "./data/npz.ts";
import { UsageError, UserError } from "./errors.ts";
import {
  cellProblem,
  CHART_CURVE_POINTS,
  chartCurves,
  figureRangeProblem,
} from "./report/cell_checks.ts";
import { buildMatrix } from "./runner/cells.ts";
import { MAX_BATCH_ACTIVATIONS, MAX_PARAMETERS, modelSize } from "./runner/model_size.ts";
import { listResultFiles, listSuiteDirs, readResult } from "./runner/store.ts";
import { listSuiteNames, loadSuite, parseSuite, suiteProfiles } from "./runner/suite.ts";
import { FEATURE_METRIC_DEFAULTS, score } from "./score.ts";
import { readInput } from "./score_input.ts";
import { TEST_SUITE } from "../testing/suites.ts";

const dir = await Deno.makeTempDir({ prefix: "ganbench-bounded-" });
const at = (name: string) => join(dir, name);

/** Writes `bytes` under the temporary folder, creating folders. */
async function put(name: string, bytes: Uint8Array): Promise<string> {
  await Deno.mkdir(join(at(name), ".."), { recursive: true });
  await Deno.writeFile(at(name), bytes);
  return at(name);
}

Deno.test("score reads grey+alpha PNGs as a grey and an alpha channel, not as RGBA", async () => {
  const samples = [0, 255, 51, 128, 102, 0, 255, 255];
  await put("ga/0.png", pngBytes({ width: 2, height: 2, colourType: 4, bitDepth: 8, samples }));
  const input = await readInput(at("ga"));
  assert.deepEqual(input.image, { height: 2, width: 2, channels: 2 });
  assert.deepEqual([...input.features!.data], samples.map((v) => v / 255));
});

Deno.test("score reads 16-bit PNGs at 16 bits, grey and colour", async () => {
  const grey = [7, 10_007, 20_007, 65_535];
  await put(
    "g16/0.png",
    pngBytes({ width: 2, height: 2, colourType: 0, bitDepth: 16, samples: grey }),
  );
  const read = await readInput(at("g16"));
  assert.deepEqual(read.image, { height: 2, width: 2, channels: 1 });
  assert.deepEqual([...read.features!.data], grey.map((v) => v / 65_535));
  const rgb = [1, 2, 3, 65_534, 30_000, 4];
  await put(
    "c16/0.png",
    pngBytes({ width: 2, height: 1, colourType: 2, bitDepth: 16, samples: rgb }),
  );
  assert.deepEqual([...(await readInput(at("c16"))).features!.data], rgb.map((v) => v / 65_535));
});

Deno.test("score follows symlinked PNGs in a folder and names a link to no regular file", async () => {
  const png = (v: number) =>
    pngBytes({ width: 2, height: 2, colourType: 0, bitDepth: 8, samples: [v, v, v, v] });
  await put("real/a.png", png(10));
  await put("real/b.png", png(20));
  await Deno.mkdir(at("linked"));
  await Deno.symlink(at("real/a.png"), at("linked/a.png"));
  await Deno.symlink(at("real/b.png"), at("linked/b.png"));
  await Deno.writeFile(at("linked/c.png"), png(30));
  const input = await readInput(at("linked"));
  assert.equal(input.features!.n, 3, "every sample is scored, linked or not");
  await Deno.symlink("/dev/zero", at("linked/d.png"));
  await assert.rejects(
    () => readInput(at("linked")),
    (error: Error) =>
      error instanceof UserError &&
      /d\.png' as a PNG image: it is a symlink to a character device/.test(error.message),
  );
});

Deno.test("readNpz checks each member's CRC-32 and reads only the arrays asked for", async () => {
  const zip = npzBytes({ mu: { data: [1, 2], shape: [2] } }, {
    "n.npy": new Uint8Array([1, 2, 3]), // not even an array: never parsed unless asked for
  });
  const path = await put("members.npz", zip);
  assert.deepEqual(zipMembers(zip, path).map((m) => [m.name, m.size > 0]), [
    ["n.npy", true],
    ["mu.npy", true],
  ]);
  const { mu } = await readNpz(path, { arrays: ["mu"] });
  assert.deepEqual([...mu.data], [1, 2]);
  const damaged = zip.slice();
  const two = new Uint8Array(Float64Array.of(2).buffer);
  const where = damaged.findIndex((_, i) => two.every((b, j) => damaged[i + j] === b));
  damaged[where + 7] ^= 0x01; // mu[1] = 2 becomes another number; the zip is otherwise intact
  await assert.rejects(
    async () => readNpz(await put("damaged.npz", damaged), { arrays: ["mu"] }),
    /mu\.npy': it fails its CRC-32 check/,
  );
});

/** `score` of raw features, without warnings. */
function scoreRaw(inputs: string[], saveStats?: string) {
  return score({
    metrics: ["fid"],
    features: "raw",
    inputs,
    saveStats,
    options: FEATURE_METRIC_DEFAULTS,
    warn: () => {},
  });
}

/**
 * `zip` (one member, as fflate writes it) as a ZIP64 archive: its central directory's sizes moved
 * and offset into a ZIP64 extra field (the 32-bit fields 0xffffffff), a ZIP64 end record and locator before
 * the end record, as zip writers do past 4 GB.
 */
function asZip64(zip: Uint8Array): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22;
  const cd = view.getUint32(end + 16, true);
  const nameLength = view.getUint16(cd + 28, true);
  const entry = new Uint8Array(46 + nameLength + 28);
  entry.set(zip.subarray(cd, cd + 46 + nameLength));
  const e = new DataView(entry.buffer);
  const [compressed, size] = [e.getUint32(20, true), e.getUint32(24, true)];
  e.setUint32(20, 0xffffffff, true);
  e.setUint32(24, 0xffffffff, true);
  e.setUint32(42, 0xffffffff, true); // the local header's offset (0) too, as fflate expects
  e.setUint16(30, 28, true); // the extra field: id 1, 24 bytes: size, compressed size, offset
  e.setUint16(46 + nameLength, 1, true);
  e.setUint16(48 + nameLength, 24, true);
  e.setBigUint64(50 + nameLength, BigInt(size), true);
  e.setBigUint64(58 + nameLength, BigInt(compressed), true);
  const tail = new DataView(new ArrayBuffer(56 + 20 + 22));
  const record = cd + entry.length;
  tail.setUint32(0, 0x06064b50, true);
  tail.setBigUint64(4, 44n, true);
  tail.setBigUint64(24, 1n, true); // entries on this disk
  tail.setBigUint64(32, 1n, true); // entries
  tail.setBigUint64(40, BigInt(entry.length), true);
  tail.setBigUint64(48, BigInt(cd), true);
  tail.setUint32(56, 0x07064b50, true);
  tail.setBigUint64(64, BigInt(record), true);
  tail.setUint32(72, 1, true);
  tail.setUint32(76, 0x06054b50, true);
  tail.setUint16(84, 0xffff, true);
  tail.setUint16(86, 0xffff, true);
  tail.setUint32(88, 0xffffffff, true);
  tail.setUint32(92, 0xffffffff, true);
  const out = new Uint8Array(record + tail.byteLength);
  out.set(zip.subarray(0, cd));
  out.set(entry, cd);
  out.set(new Uint8Array(tail.buffer), record);
  return out;
}

Deno.test("zipMembers reads ZIP64 sizes, and readNpz bounds them before inflating", async () => {
  const plain = npzBytes({ mu: { data: [1, 2], shape: [2] } });
  const zip = asZip64(plain);
  const [member] = zipMembers(zip, "z.npz");
  assert.deepEqual(member, zipMembers(plain, "p.npz")[0]);
  assert.equal(member.size, 80, "a 64-byte header and two float64 values");
  const { mu } = await readNpz(await put("zip64.npz", zip));
  assert.deepEqual([...mu.data], [1, 2]);
  await assert.rejects(
    async () => readNpz(await put("zip64_small.npz", zip), { maxBytes: { mu: 50 } }),
    /member mu\.npy holds 80 bytes uncompressed, more than the 50 bytes/,
  );
});

Deno.test("score --save-stats with one input saves statistics whose FID to that input is 0", async () => {
  const gen = await put("gen.npy", f8([50, 3], uniform(150, 1)));
  const output = await scoreRaw([gen], at("gen_stats.npz"));
  assert.equal(output.fid, undefined, "FID needs a second input");
  const fid = await scoreRaw([gen, at("gen_stats.npz")]);
  assert.ok(Math.abs(fid.fid as number) < 1e-9, `FID ${fid.fid}`);
  // The same statistics with an extra int64 key give the same FID.
  const { mu, sigma } = await readNpz(at("gen_stats.npz"));
  const n = new Uint8Array([...await Deno.readFile(await put("n.npy", f8([1], [50])))]);
  await put(
    "with_n.npz",
    npzBytes({ mu, sigma }, { "n.npy": n.map((b, i) => (i === 22 ? 0x69 : b)) }), // '<f8' → '<i8'
  );
  assert.equal((await scoreRaw([gen, at("with_n.npz")])).fid, fid.fid);
});

Deno.test("the score command line reads --range -1-1 as written and refuses -h.npy as no option", () => {
  const spec = COMMANDS.score;
  const parsed = parseCommandLine("score", spec, ["--range", "-1-1", "a.npy"]);
  assert.ok(!parsed.help && parsed.values.range === "-1-1");
  assert.throws(
    () => parseCommandLine("score", spec, ["-h.npy", "b.npy"]),
    (error: Error) => error instanceof UsageError && /write '\.\/-h\.npy'$/.test(error.message),
  );
  assert.deepEqual(parseCommandLine("score", spec, ["-h"]), { help: true });
  assert.deepEqual(parseCommandLine("score", spec, ["./-h.npy", "--help"]), { help: true });
});

Deno.test("printable escapes control bytes and keeps the rest", () => {
  assert.equal(printable("a\x1b[31mb\nc\u0085é"), "a\\x1b[31mb\\nc\\x85é");
});

Deno.test("every bundled suite's networks are within the parameter and activation bounds", () => {
  let built = 0;
  for (const name of listSuiteNames()) {
    const suite = loadSuite(name);
    for (const profile of suiteProfiles(suite)) {
      try {
        built += buildMatrix(suite, { profile, backend: "cpu" }).length && 1;
      } catch (error) {
        // Another reason (a dataset absent here) is no size problem.
        assert.doesNotMatch((error as Error).message, /parameters, more than|activations per/);
      }
    }
  }
  assert.ok(built > 10, `${built} suite profiles built`);
});

Deno.test("modelSize counts an MLP's weights between hidden layers and its widths", () => {
  const size = modelSize({ generator: { hidden: [10, 20] }, discriminator: { hidden: [30] } }, [2]);
  assert.deepEqual(size, { parameters: 200, activationsPerSample: 60 });
  assert.ok(MAX_PARAMETERS < 31 * 16_384 ** 2 && MAX_BATCH_ACTIVATIONS < 65_536 * 32_768);
});

Deno.test("a suite's seeds span the int32 the RNG takes, no more", () => {
  const text = (seeds: number[]) => JSON.stringify({ ...TEST_SUITE, seeds });
  parseSuite(text([-(2 ** 31), 2 ** 31 - 1]), "t", "t.json");
  assert.throws(() => parseSuite(text([2 ** 31]), "t", "t.json"), /seeds\[0\]: Too big/);
});

Deno.test("every stored cell under results/ passes the report's cell checks", async () => {
  const root = new URL("../results/", import.meta.url).pathname;
  let checked = 0;
  for (const [suite, profile] of await listSuiteDirs(root)) {
    const meta = JSON.parse(await Deno.readTextFile(join(root, suite, profile, "suite.json")));
    for (const path of await listResultFiles(join(root, suite, profile))) {
      const result = (await readResult(path))!;
      assert.equal(cellProblem(result, path, { suite, profile, primary: meta.primary }), undefined);
      checked++;
    }
  }
  assert.ok(checked > 100, `${checked} cells`);
});

Deno.test("figure ranges refuse impossible values and keep a slightly negative KID", () => {
  assert.match(figureRangeProblem("modes.covered", -5)!, /outside its range/);
  assert.match(figureRangeProblem("modes.covered", 2.5)!, /whole numbers/);
  assert.match(figureRangeProblem("modes.mass", 1e308)!, /\(0 to 1\)/);
  assert.match(figureRangeProblem("images.is[mnist-net]", 0.5)!, /outside/);
  assert.equal(figureRangeProblem("images.kid[mnist-net]", -0.001), undefined);
  assert.equal(figureRangeProblem("modes.mass", 0.97), undefined);
});

Deno.test("chartCurves thins a long curve evenly and leaves out points without values", () => {
  const curves = Array.from({ length: 100_000 }, (_, step) => ({ step, lossD: step % 7 }));
  const result = { curves, status: "completed" } as unknown as Parameters<typeof chartCurves>[0];
  const thinned = chartCurves(result).curves;
  assert.ok(thinned.length <= CHART_CURVE_POINTS + 1, `${thinned.length}`);
  assert.equal(thinned.at(-1)!.step, 99_999);
  const holes = { ...result, curves: [{ step: 0, lossD: null }, { step: 1, lossD: 1 }] };
  assert.deepEqual(chartCurves(holes as typeof result).curves, [{ step: 1, lossD: 1 }]);
});

Deno.test({
  name: "remove the temporary inputs",
  fn: () => Deno.remove(dir, { recursive: true }),
});
