import assert from "node:assert/strict";
import sharp from "sharp";
import { imageGridPng } from "./pictures.ts";

/** The raw pixels of a PNG (one channel when `grey`: sharp stores grey images as RGB), its size. */
async function decode(png: Uint8Array, grey = false) {
  const image = grey ? sharp(png).extractChannel(0) : sharp(png);
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return {
    pixels: new Uint8Array(data),
    width: info.width,
    height: info.height,
    channels: info.channels,
  };
}

Deno.test("imageGridPng() tiles images row-major with 2-pixel white gaps, mapping [−1, 1] to 0..255", async () => {
  // Three 2x2 grey images in a 2 x 2 grid: the fourth tile stays white.
  const images = Float32Array.from([
    -1,
    1,
    0,
    Number.NaN, // 0, 255, 128 (round 127.5), black for NaN
    3,
    -3,
    0.5,
    -0.5, // clipped to 255 and 0; 191 (round 191.25), 64 (round 63.75)
    -1,
    -1,
    -1,
    -1,
  ]);
  const png = await imageGridPng({ samples: images, rows: 2, cols: 2 }, [2, 2, 1]);
  const { pixels, width, height, channels } = await decode(png, true);
  assert.deepEqual([width, height, channels], [2 + 2 + 2, 2 + 2 + 2, 1]);
  const at = (x: number, y: number) => pixels[y * width + x];
  assert.deepEqual([at(0, 0), at(1, 0), at(0, 1), at(1, 1)], [0, 255, 128, 0]);
  assert.deepEqual([at(4, 0), at(5, 0), at(4, 1), at(5, 1)], [255, 0, 191, 64]);
  assert.deepEqual([at(0, 4), at(1, 4), at(0, 5), at(1, 5)], [0, 0, 0, 0]);
  assert.deepEqual([at(4, 4), at(5, 5)], [255, 255], "missing tile is white");
  for (const x of [2, 3]) for (let y = 0; y < height; y++) assert.equal(at(x, y), 255, "gap");
});

Deno.test("imageGridPng() keeps the channels of colour images", async () => {
  const images = Float32Array.from([1, -1, -1, -1, 1, -1]); // one red, one green pixel
  const png = await imageGridPng({ samples: images, rows: 1, cols: 2 }, [1, 1, 3]);
  const { pixels, width, channels } = await decode(png);
  assert.deepEqual([width, channels], [4, 3]);
  assert.deepEqual(Array.from(pixels), [255, 0, 0, 255, 255, 255, 255, 255, 255, 0, 255, 0]);
});
