/**
 * A minimal headless-Chromium driver for the site tests: starts Debian's `chromium` with a fresh
 * profile and no background networking, opens one page over the DevTools protocol (a WebSocket on
 * localhost), records every request the page makes, evaluates expressions in it and takes a
 * full-page screenshot. Private to the report's tests.
 *
 * @module
 */

/** Where Debian installs Chromium; undefined when it is not installed. */
export const CHROMIUM_PATH: string | undefined = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
  .find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });

/** The flags that keep Chromium headless, offline and free of first-run work. */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
  // Any name lookup fails, so a page that needed the network would render incomplete.
  "--host-resolver-rules=MAP * ~NOTFOUND",
];

/** What a page did while it loaded. */
export interface PageVisit {
  /** Every URL the page requested, the page itself included, in order. */
  requests: string[];
  /** Each expression's value, in the order given. */
  values: unknown[];
  /** A PNG of the whole page, when asked for. */
  screenshot?: Uint8Array;
}

/** Options of {@linkcode visitPage}. */
export interface VisitOptions {
  /** Expressions to evaluate once the page has loaded (their values must be JSON). */
  evaluate?: string[];
  /** Take a full-page screenshot. @default false */
  screenshot?: boolean;
  /** Viewport width in CSS pixels. @default 1280 */
  width?: number;
  /** Give up after this many milliseconds. @default 30000 */
  timeoutMs?: number;
}

type Message = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { message: string };
  sessionId?: string;
};

/** Reads Chromium's stderr until it prints the DevTools WebSocket address. */
async function devtoolsUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  const reader = stderr.getReader();
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`Chromium exited before DevTools started: ${text.slice(-500)}`);
      text += decoder.decode(value, { stream: true });
      const match = text.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match) return match[1];
    }
  } finally {
    // Keep draining stderr so that Chromium never blocks on a full pipe.
    reader.releaseLock();
    stderr.pipeTo(new WritableStream()).catch(() => {});
  }
}

/**
 * Opens `url` in a fresh headless Chromium, waits for its load event, and reports the requests the
 * page made, the values of `options.evaluate` and optionally a full-page screenshot.
 *
 * @param url the page, e.g. a `file://` URL.
 * @param options what to do once it has loaded.
 * @returns what the page did.
 * @throws {Error} when Chromium is not installed, fails to start or the page does not load in time.
 */
export async function visitPage(url: string, options: VisitOptions = {}): Promise<PageVisit> {
  if (!CHROMIUM_PATH) throw new Error("Cannot find chromium in /usr/bin");
  const { evaluate = [], screenshot = false, width = 1280, timeoutMs = 30_000 } = options;
  const profile = await Deno.makeTempDir({ prefix: "ganbench-chromium-profile-" });
  const child = new Deno.Command(CHROMIUM_PATH, {
    args: [
      ...CHROMIUM_FLAGS,
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let socket: WebSocket | undefined;
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    socket = new WebSocket(await devtoolsUrl(child.stderr));
    const ws = socket;
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error("Cannot connect to Chromium's DevTools"));
    });
    let nextId = 0;
    const pending = new Map<
      number,
      { resolve: (v: unknown) => void; reject: (e: Error) => void }
    >();
    const listeners: ((message: Message) => void)[] = [];
    ws.onmessage = (event) => {
      const message: Message = JSON.parse(event.data);
      if (message.id !== undefined) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message.result);
      } else {
        for (const listener of listeners) listener(message);
      }
    };
    ws.onclose = () => {
      for (const waiter of pending.values()) waiter.reject(new Error("Chromium closed DevTools"));
    };
    const send = <T>(method: string, params: unknown = {}, sessionId?: string): Promise<T> => {
      const id = ++nextId;
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      return new Promise<T>((resolve, reject) =>
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      );
    };

    const { targetId } = await send<{ targetId: string }>("Target.createTarget", {
      url: "about:blank",
    });
    const { sessionId } = await send<{ sessionId: string }>("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const requests: string[] = [];
    let loaded: () => void = () => {};
    const load = new Promise<void>((resolve) => (loaded = resolve));
    listeners.push((message) => {
      if (message.sessionId !== sessionId) return;
      if (message.method === "Network.requestWillBeSent") {
        requests.push((message.params!.request as { url: string }).url);
      } else if (message.method === "Page.loadEventFired") {
        loaded();
      }
    });
    await send("Network.enable", {}, sessionId);
    await send("Page.enable", {}, sessionId);
    await send(
      "Emulation.setDeviceMetricsOverride",
      { width, height: 900, deviceScaleFactor: 1, mobile: false },
      sessionId,
    );
    await send("Page.navigate", { url }, sessionId);
    await load;

    const values: unknown[] = [];
    for (const expression of evaluate) {
      const { result, exceptionDetails } = await send<
        { result: { value: unknown }; exceptionDetails?: { text: string } }
      >("Runtime.evaluate", { expression, returnByValue: true }, sessionId);
      if (exceptionDetails) {
        throw new Error(`Cannot evaluate '${expression}': ${exceptionDetails.text}`);
      }
      values.push(result.value);
    }
    let image: Uint8Array | undefined;
    if (screenshot) {
      const { cssContentSize } = await send<{ cssContentSize: { width: number; height: number } }>(
        "Page.getLayoutMetrics",
        {},
        sessionId,
      );
      const { data } = await send<{ data: string }>("Page.captureScreenshot", {
        format: "png",
        captureBeyondViewport: true,
        clip: {
          x: 0,
          y: 0,
          width: Math.max(width, Math.ceil(cssContentSize.width)),
          height: Math.ceil(cssContentSize.height),
          scale: 1,
        },
      }, sessionId);
      image = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    }
    await send("Browser.close").catch(() => {});
    return { requests, values, ...(image ? { screenshot: image } : {}) };
  } finally {
    clearTimeout(timer);
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      const closed = new Promise((resolve) => socket!.addEventListener("close", resolve));
      socket.close();
      await closed;
    }
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await child.status;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}
