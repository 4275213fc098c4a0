import assert from "node:assert/strict";
import { formatDuration, ProgressDisplay } from "./progress.ts";
import type { Cell } from "./runner/cells.ts";

function cell(variant: string): Cell {
  return { config: { dataset: "ring8", variant, seed: 0 }, hash: variant } as unknown as Cell;
}

/** A live display whose terminal reports `columns`, with a clock set by hand. */
function liveDisplay(columns: () => number) {
  const writes: string[] = [];
  let now = 0;
  const display = new ProgressDisplay({
    live: true,
    columns,
    write: (text) => writes.push(text),
    now: () => now,
  });
  return {
    display,
    lastLine: () => writes.filter((text) => !text.startsWith("\r")).at(-1) ?? "",
    setSeconds: (seconds: number) => (now = seconds * 1000),
  };
}

const progress = { step: 30, steps: 100, lossD: 0.5, lossG: 1.25, trainSeconds: 3 };

Deno.test("formatDuration writes seconds and minutes", () => {
  assert.equal(formatDuration(7), "7s");
  assert.equal(formatDuration(65), "1m05s");
  assert.equal(formatDuration(Infinity), "?");
});

Deno.test("the live line keeps its last character when the terminal reports 0 columns", () => {
  for (
    const columns of [() => 0, () => NaN, (): number => {
      throw new Error("not a tty");
    }]
  ) {
    const { display, lastLine } = liveDisplay(columns);
    display.start(1);
    display.update(cell("nsgan"), progress);
    // 70 steps left at 10 steps/s.
    assert.match(lastLine(), / ETA 7s$/);
  }
});

Deno.test("the live line is cut one column short of a known width", () => {
  const { display, lastLine } = liveDisplay(() => 20);
  display.start(1);
  display.update(cell("nsgan"), progress);
  assert.equal(lastLine().length, 19);
});

Deno.test("the display shows cells done, elapsed time and the whole run's ETA", () => {
  const { display, lastLine, setSeconds } = liveDisplay(() => 0);
  display.start(4);
  assert.equal(display.overall(), "cells 0/4 · 0s elapsed · ETA estimating");
  setSeconds(10);
  display.update(cell("a"), { ...progress, step: 50 });
  // Half a cell of four in 10 s: 3.5 cells left take 70 s.
  assert.equal(display.overall(), "cells 0/4 · 10s elapsed · ETA 1m10s");
  assert.match(lastLine(), /^cells 0\/4 · 10s elapsed · ETA 1m10s \| ring8\/a\/s0 50\/100/);
  setSeconds(20);
  display.cellDone(cell("a"));
  display.update(cell("b"), { ...progress, step: 0 });
  assert.equal(display.overall(), "cells 1/4 · 20s elapsed · ETA 1m00s");
});

Deno.test("without a terminal, each cell's quarters are printed with the overall state", () => {
  const lines: string[] = [];
  const display = new ProgressDisplay({
    live: false,
    print: (line) => lines.push(line),
    now: () => 0,
  });
  display.start(2);
  for (const step of [10, 25, 30, 50, 99, 100]) display.update(cell("a"), { ...progress, step });
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^ {2}ring8\/a\/s0 25\/100 .* ETA \d+s · cells 0\/2 · 0s elapsed · ETA/);
});

Deno.test("the first ETA says estimating until a cell is done or a tenth of the run is", () => {
  const { display, lastLine, setSeconds } = liveDisplay(() => 0);
  display.start(14);
  setSeconds(3);
  // Step 1 of 100 after 3 s of start-up would give an ETA of about 70 minutes.
  display.update(cell("a"), { ...progress, step: 1, trainSeconds: 3 });
  assert.equal(display.overall(), "cells 0/14 · 3s elapsed · ETA estimating");
  assert.match(lastLine(), /ring8\/a\/s0 1\/100 D 0\.500 G 1\.250 ETA estimating$/);
  setSeconds(5);
  display.update(cell("a"), { ...progress, step: 20, trainSeconds: 4 });
  assert.match(
    lastLine(),
    /ring8\/a\/s0 20\/100 .* ETA 16s$/,
    "a tenth of the cell gives its rate",
  );
  assert.match(display.overall(), /ETA estimating$/);
  setSeconds(10);
  display.cellDone(cell("a"));
  // One cell of 14 in 10 s: 13 left take 130 s.
  assert.equal(display.overall(), "cells 1/14 · 10s elapsed · ETA 2m10s");
});

Deno.test("on a terminal, log lines are wrapped at its width", () => {
  const { display } = liveDisplay(() => 40);
  const printed: string[] = [];
  const { log } = console;
  console.log = (text: string) => printed.push(...text.split("\n"));
  try {
    display.log(`Reusing 236 of 236 cells ${"computed at commit 3c075fdce5a6 ".repeat(3)}`);
  } finally {
    console.log = log;
  }
  assert.ok(printed.length > 1);
  assert.ok(printed.every((line) => line.length <= 40), printed.join("\n"));
});

Deno.test("the cells of a lockstep group share one progress line, without losses, and each counts in the ETA", () => {
  const printed: string[] = [];
  let now = 0;
  const display = new ProgressDisplay({
    live: false,
    print: (line) => printed.push(line),
    now: () => now,
  });
  display.start(4);
  const group = "ring8 nsgan seeds 0-1";
  now = 10_000;
  display.update(cell("a"), progress, group);
  display.update(cell("b"), progress, group);
  assert.deepEqual(printed, [
    `  ${group} 30/100 ETA 7s · cells 0/4 · 10s elapsed · ETA estimating`,
  ]);
  // Both cells' 30% count: 0.6 of 4 cells in 10 s.
  assert.equal(display.overall(), "cells 0/4 · 10s elapsed · ETA 57s");
  display.cellDone(cell("a"), group);
  display.cellDone(cell("b"), group);
  assert.equal(display.overall(), "cells 2/4 · 10s elapsed · ETA 10s");
});
