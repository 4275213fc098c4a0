/**
 * The README's picture (docs/img/dirac.png): the Dirac-GAN leaderboard above its chart of the
 * distance to equilibrium, cut from the report site by Debian's Chromium (testing/chromium.ts)
 * and stacked with sharp. Build the site first, then pass its folder:
 *
 * ```sh
 * deno task report --results results --out /tmp/site
 * deno run -A scripts/readme_images.ts /tmp/site
 * ```
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { join } from "node:path";
import sharp from "sharp";
import { launchChromium } from "../testing/chromium.ts";

const PAGE = "dirac/quick/index.html";
const OUT = "docs/img/dirac.png";
/** The page's width in CSS pixels, and the picture's width. */
const PAGE_WIDTH = 1100, WIDTH = 900;

const [site] = Deno.args;
if (!site) {
  console.error(
    "usage: deno run -A scripts/readme_images.ts SITE (a folder deno task report wrote)",
  );
  Deno.exit(2);
}
const browser = await launchChromium();
const parts: Uint8Array[] = [];
try {
  const page = await browser.newPage();
  await page.setViewport({ width: PAGE_WIDTH, height: 900, deviceScaleFactor: 1 });
  await page.goto(`file://${join(Deno.realPathSync(site), PAGE)}`, { waitUntil: "load" });
  // The leaderboard table with its title, then the chart of the primary figure against steps.
  for (const selector of ["table.leaderboard", "figure#primary-by-step svg"]) {
    const box = await (await page.$(selector))?.boundingBox();
    if (!box) throw new Error(`${PAGE} has no ${selector}`);
    parts.push(
      await page.screenshot({
        clip: { x: 0, y: box.y, width: PAGE_WIDTH, height: box.height },
        captureBeyondViewport: true,
      }),
    );
  }
} finally {
  await browser.close();
}
const images = await Promise.all(parts.map((part) => sharp(part).metadata()));
const height = images.reduce((sum, image) => sum + image.height!, 0);
let top = 0;
const stacked = await sharp({
  create: { width: PAGE_WIDTH, height, channels: 3, background: "#ffffff" },
}).composite(parts.map((part, i) => {
  const layer = { input: Buffer.from(part), left: 0, top };
  top += images[i].height!;
  return layer;
})).png().toBuffer();
await sharp(stacked).resize({ width: WIDTH }).png({ palette: true }).toFile(OUT);
console.log(OUT);
