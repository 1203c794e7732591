// Opening a big session in the browser (issue 13): a 100,000-event session (2,000 turns, each with
// a tool call, its permission, a plan and a message) in Debian's Chromium, against a 100-event
// session in the same run (target: within 1.5x) and against the same big session rendered whole,
// without the virtual list (?view=all, the baseline). Per case, median of runs: time from navigation
// to the last message visible, to interactive (live stream open, composer enabled), long tasks until
// then, and the JS heap after a garbage collection.
//   node --conditions=react-server --import tsx bench/transcript-open.ts   (or: npm run bench -- transcript)
import { chromium, type Browser } from "@playwright/test";
import { signIn } from "../tests/integration/harness";
import { runBench } from "./support/cleanup";
import { createBenchDatabase } from "./support/database";
import { startBenchPortal } from "./support/portal";
import { fmtInt, fmtMs, fmtRatio, median, note, printTable } from "./support/report";
import { fillToolHistory, TOOL_TURN_EVENTS } from "../tests/fixtures/synthetic-history";

const BIG_TURNS = Number(process.env.BENCH_TRANSCRIPT_TURNS ?? 2_000);
const RUNS = Number(process.env.BENCH_TRANSCRIPT_RUNS ?? 3);
const BASELINE_RUNS = Number(process.env.BENCH_TRANSCRIPT_BASELINE_RUNS ?? 1);

interface Sample {
  lastVisibleMs: number;
  interactiveMs: number;
  longTasks: number;
  longTaskMs: number;
  heapMb: number;
}

async function openOnce(browser: Browser, baseUrl: string, cookie: string, url: string, lastTurn: number): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addCookies(
    cookie.split("; ").map((pair) => {
      const [name, ...rest] = pair.split("=");
      return { name: name!, value: rest.join("="), url: baseUrl };
    }),
  );
  const page = await context.newPage();
  await page.addInitScript(() => {
    const tasks: number[] = [];
    (window as unknown as { benchLongTasks: number[] }).benchLongTasks = tasks;
    new PerformanceObserver((list) => list.getEntries().forEach((entry) => tasks.push(entry.duration))).observe({ type: "longtask", buffered: true });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  await page.goto(`${baseUrl}${url}`, { waitUntil: "commit", timeout: 300_000 });
  const marker = `end of turn ${lastTurn}.`;
  const lastVisibleMs = (await (
    await page.waitForFunction(
      (text) => {
        const messages = document.querySelectorAll('[data-testid="message-agent"]');
        const last = messages[messages.length - 1];
        if (!last?.textContent?.includes(text)) return false;
        const rect = last.getBoundingClientRect();
        return rect.bottom > 0 && rect.top < window.innerHeight ? performance.now() : false;
      },
      marker,
      { polling: "raf", timeout: 300_000 },
    )
  ).jsonValue()) as number;
  const interactiveMs = (await (
    await page.waitForFunction(
      () => {
        const input = document.querySelector<HTMLTextAreaElement>('[data-testid="composer-input"]');
        const live = document.querySelector('[data-testid="connection-state"]')?.getAttribute("data-state") === "live";
        return input && !input.disabled && live ? performance.now() : false;
      },
      undefined,
      { polling: "raf", timeout: 300_000 },
    )
  ).jsonValue()) as number;
  const tasks = await page.evaluate(() => (window as unknown as { benchLongTasks: number[] }).benchLongTasks);
  await cdp.send("HeapProfiler.collectGarbage");
  const { metrics } = await cdp.send("Performance.getMetrics");
  const heap = metrics.find((metric) => metric.name === "JSHeapUsedSize")?.value ?? 0;
  await context.close();
  return { lastVisibleMs, interactiveMs, longTasks: tasks.length, longTaskMs: tasks.reduce((sum, duration) => sum + duration, 0), heapMb: heap / 1024 / 1024 };
}

function summarise(samples: Sample[]) {
  return {
    lastVisibleMs: median(samples.map((s) => s.lastVisibleMs)),
    interactiveMs: median(samples.map((s) => s.interactiveMs)),
    longTasks: median(samples.map((s) => s.longTasks)),
    longTaskMs: median(samples.map((s) => s.longTaskMs)),
    heapMb: median(samples.map((s) => s.heapMb)),
  };
}

runBench("transcript-open", async () => {
  console.log(
    `Opening a session in Chromium: ${fmtInt(BIG_TURNS * TOOL_TURN_EVENTS)} events (${fmtInt(BIG_TURNS)} turns with tool calls) against ${TOOL_TURN_EVENTS * 2} events`,
  );
  const database = await createBenchDatabase("transcript");
  const { portal, api, teamId } = await startBenchPortal(database.url);
  const small = (await api.request("POST", "/api/sessions", { teamId, agent: "demo", title: "Small session" })).body.id as string;
  const big = (await api.request("POST", "/api/sessions", { teamId, agent: "demo", title: "Big session" })).body.id as string;
  await fillToolHistory(database.pool, small, 2);
  const started = Date.now();
  const total = await fillToolHistory(database.pool, big, BIG_TURNS);
  console.log(`  [history] ${fmtInt(total)} events written in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const cookie = await signIn(portal.baseUrl);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium-headless-shell",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    // Warm-up: the first page load compiles the app's code in the browser and the server.
    await openOnce(browser, portal.baseUrl, cookie, `/sessions/${small}`, 1);
    const runs = { small: [] as Sample[], big: [] as Sample[], whole: [] as Sample[] };
    for (let i = 0; i < RUNS; i += 1) {
      // Interleaved, so background load on the shared machine hits both alike.
      runs.small.push(await openOnce(browser, portal.baseUrl, cookie, `/sessions/${small}`, 1));
      runs.big.push(await openOnce(browser, portal.baseUrl, cookie, `/sessions/${big}`, BIG_TURNS - 1));
    }
    for (let i = 0; i < BASELINE_RUNS; i += 1) runs.whole.push(await openOnce(browser, portal.baseUrl, cookie, `/sessions/${big}?view=all`, BIG_TURNS - 1));
    const [s, b, w] = [summarise(runs.small), summarise(runs.big), summarise(runs.whole)];
    const row = (name: string, r: ReturnType<typeof summarise>) => [
      name,
      fmtMs(r.lastVisibleMs),
      fmtMs(r.interactiveMs),
      fmtInt(r.longTasks),
      fmtMs(r.longTaskMs),
      `${r.heapMb.toFixed(1)} MB`,
    ];
    printTable(
      `Median of ${RUNS} opens (baseline: ${BASELINE_RUNS})`,
      ["case", "last message visible", "interactive", "long tasks", "long-task time", "JS heap"],
      [
        row(`${TOOL_TURN_EVENTS * 2} events`, s),
        row(`${fmtInt(total)} events (virtual, newest end)`, b),
        row(`${fmtInt(total)} events rendered whole (baseline)`, w),
      ],
    );
    printTable(
      "Ratios",
      ["", "last message visible", "interactive", "JS heap"],
      [
        [
          "big ÷ small (target ≤ 1.5×)",
          fmtRatio(b.lastVisibleMs / s.lastVisibleMs),
          fmtRatio(b.interactiveMs / s.interactiveMs),
          fmtRatio(b.heapMb / s.heapMb),
        ],
        ["whole ÷ virtual", fmtRatio(w.lastVisibleMs / b.lastVisibleMs), fmtRatio(w.interactiveMs / b.interactiveMs), fmtRatio(w.heapMb / b.heapMb)],
      ],
    );
    note(
      "Times are from navigation start in the page (performance.now()). The virtual list reads the newest 2,000 events and keeps only the rows on screen in the page.",
    );
  } finally {
    await browser.close();
  }
});
