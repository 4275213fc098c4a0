/**
 * Debian's Chromium, headless and offline, driven through puppeteer-core (pinned in deno.json; it
 * downloads no browser of its own), for the report site's page tests.
 *
 * @module
 */
import puppeteer, { type Browser } from "puppeteer-core";

/** Where Debian installs Chromium; undefined when it is not installed. */
export const CHROMIUM_PATH: string | undefined = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
  .find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });

/** Flags on top of puppeteer's defaults (which already turn off background networking and sync). */
export const CHROMIUM_ARGS: readonly string[] = [
  // Tests run as root in CI, where Chromium's sandbox cannot start.
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  // Any name lookup fails, so a page that needed the network would render incomplete.
  "--host-resolver-rules=MAP * ~NOTFOUND",
];

/**
 * Starts headless Chromium with a fresh temporary profile. Close it with `browser.close()`.
 *
 * @returns the browser.
 * @throws {Error} when Chromium is not installed or does not start.
 */
export function launchChromium(): Promise<Browser> {
  if (!CHROMIUM_PATH) throw new Error("Cannot find chromium in /usr/bin: apt-get install chromium");
  return puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
}
