import "server-only";
import { db } from "@/lib/db/client";
import { messagePartOf } from "@/lib/events/classify";
import { MergedMessages, type MessageEvent } from "@/lib/events/merged-messages";
import { listEventsAfter } from "@/lib/events/queries";

// The merged text of a message that is still growing is written at most once a second, so after a
// crash (kill -9) the session's last message can lag its events by that much. Events are complete:
// at the next start the last message of a session whose turn was cut off is rebuilt from them.

const PAGE = 1_000;

export async function rebuildLastMessage(sessionId: string) {
  const last = await db().message.findFirst({ where: { sessionId }, orderBy: { index: "desc" }, select: { index: true } });
  if (!last) return;
  const parts: MessageEvent[] = [];
  for (let after = last.index - 1; ;) {
    const page = await listEventsAfter({ sessionId, after, limit: PAGE });
    for (const event of page) {
      const part = messagePartOf(event.sender, event.payload);
      if (part.message || part.endsMessage) parts.push({ sessionId, offset: event.index - last.index + 1, ...part });
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.index;
  }
  // Offsets count from the last message's first event, so the plan's rows land on their indexes.
  for (const row of new MergedMessages().plan(parts, Date.now(), { all: true }).rows) {
    const index = last.index + row.offset! - 1;
    await db().message.upsert({
      where: { sessionId_index: { sessionId, index } },
      create: { sessionId, index, role: row.role, text: row.text },
      update: { text: row.text },
    });
  }
}
