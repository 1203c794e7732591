// History page latency (issue 4): the portal's real read path (lib/events/queries.ts listEventsPage,
// keyset on (session_id, index)) at the start and at the end of a 1,000,000-event session, against
// an OFFSET query for the same pages through the same Prisma client.
//   node --conditions=react-server --import tsx bench/history.ts   (or: npm run bench -- history)
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db/client";
import { listEventsPage } from "@/lib/events/queries";
import { runBench } from "./support/cleanup";
import { createBenchDatabase, createSessionRows } from "./support/database";
import { fmtInt, fmtMs, fmtRatio, median, note, percentile, printTable } from "./support/report";
import { fillSyntheticHistory } from "../tests/fixtures/synthetic-history";

const TOTAL = Number(process.env.BENCH_HISTORY_EVENTS ?? 1_000_000);
const PAGE = 100;
const KEYSET_SAMPLES = 300;
const OFFSET_SAMPLES = 25;

async function offsetPage({ sessionId, offset, limit }: { sessionId: string; offset: number; limit: number }) {
  const rows = await db().event.findMany({
    where: { sessionId },
    orderBy: { index: "asc" },
    skip: offset,
    take: limit + 1,
    select: { index: true, sender: true, createdAt: true, payload: true },
  });
  return rows.slice(0, limit);
}

async function time(fn: () => Promise<unknown>) {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

runBench("history", async () => {
  console.log(`History page latency: ${PAGE} events at the start and at the end of a ${fmtInt(TOTAL)}-event session`);
  const database = await createBenchDatabase("history");
  const sessionId = randomUUID();
  await createSessionRows(database.pool, [sessionId]);
  await fillSyntheticHistory(database.pool, sessionId, TOTAL);

  const endAfter = TOTAL - PAGE;
  // Both paths return the same pages.
  for (const after of [0, endAfter]) {
    const keyset = await listEventsPage({ sessionId, after, limit: PAGE });
    const offset = await offsetPage({ sessionId, offset: after, limit: PAGE });
    const same = keyset.items.length === PAGE && keyset.items.every((event, i) => event.index === offset[i]?.index && event.index === after + i + 1);
    if (!same) throw new Error(`the keyset and OFFSET pages after ${after} differ`);
  }

  const samples = { keysetStart: [] as number[], keysetEnd: [] as number[], offsetStart: [] as number[], offsetEnd: [] as number[] };
  // Warm-up, then interleave start and end so background load hits both alike.
  for (let i = 0; i < 20; i += 1) await listEventsPage({ sessionId, after: i % 2 ? endAfter : 0, limit: PAGE });
  for (let i = 0; i < KEYSET_SAMPLES; i += 1) {
    samples.keysetStart.push(await time(() => listEventsPage({ sessionId, after: 0, limit: PAGE })));
    samples.keysetEnd.push(await time(() => listEventsPage({ sessionId, after: endAfter, limit: PAGE })));
  }
  await offsetPage({ sessionId, offset: endAfter, limit: PAGE });
  for (let i = 0; i < OFFSET_SAMPLES; i += 1) {
    samples.offsetStart.push(await time(() => offsetPage({ sessionId, offset: 0, limit: PAGE })));
    samples.offsetEnd.push(await time(() => offsetPage({ sessionId, offset: endAfter, limit: PAGE })));
  }

  const row = (path: string, page: string, values: number[]) => [path, page, fmtMs(median(values)), fmtMs(percentile(values, 99)), String(values.length)];
  printTable(
    `History page of ${PAGE} events, session of ${fmtInt(TOTAL)} events`,
    ["read path", "page", "p50", "p99", "samples"],
    [
      row("portal keyset (listEventsPage)", "start (after=0)", samples.keysetStart),
      row("portal keyset (listEventsPage)", `end (after=${fmtInt(endAfter)})`, samples.keysetEnd),
      row("baseline OFFSET (same client)", "start (offset 0)", samples.offsetStart),
      row("baseline OFFSET (same client)", `end (offset ${fmtInt(endAfter)})`, samples.offsetEnd),
    ],
    "llrrr",
  );
  printTable(
    "Ratios",
    ["comparison", "p50", "p99"],
    [
      [
        "portal keyset: end / start (target ≈ 1)",
        fmtRatio(median(samples.keysetEnd) / median(samples.keysetStart)),
        fmtRatio(percentile(samples.keysetEnd, 99) / percentile(samples.keysetStart, 99)),
      ],
      [
        "baseline OFFSET: end / start",
        fmtRatio(median(samples.offsetEnd) / median(samples.offsetStart)),
        fmtRatio(percentile(samples.offsetEnd, 99) / percentile(samples.offsetStart, 99)),
      ],
      [
        "end page: OFFSET / keyset",
        fmtRatio(median(samples.offsetEnd) / median(samples.keysetEnd)),
        fmtRatio(percentile(samples.offsetEnd, 99) / percentile(samples.keysetEnd, 99)),
      ],
    ],
  );
  note(`p99 of ${OFFSET_SAMPLES} OFFSET samples is their maximum. Times include Prisma's row mapping and the round trip.`);
});
