import "server-only";
import { db } from "@/lib/db/client";

// The history a restored agent is given, built from the conversation as people read it (merged
// user prompts and agent messages, from the messages table), newest kept within a budget. It reads
// a bounded number of rows by the (session_id, index) key, so its cost does not grow with history.

export const SEED_HEADER = "[Conversation so far, restored by Agent Portal]";
export const SEED_FOOTER = "[End of restored conversation]";
const MAX_MESSAGES = 200;
const MAX_CHARS = 24_000; // about 6,000 tokens
const MAX_MESSAGE_CHARS = 2_000;

const LABEL: Record<string, string> = { user: "User", agent: "Agent", tool: "Tool" };

export async function buildSeed(sessionId: string): Promise<string | null> {
  const rows = await db().message.findMany({
    where: { sessionId },
    orderBy: { index: "desc" },
    take: MAX_MESSAGES,
    select: { role: true, text: true },
  });
  return formatSeed(rows.reverse());
}

/** Pure formatting: oldest first, cut from the oldest side when over budget. */
export function formatSeed(messages: Array<{ role: string; text: string }>): string | null {
  const lines: string[] = [];
  let used = 0;
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i]!;
    const text = message.text.length > MAX_MESSAGE_CHARS ? `${message.text.slice(0, MAX_MESSAGE_CHARS)} […]` : message.text;
    // One line per message: the agent reads `User:` / `Agent:` prefixes.
    const line = `${LABEL[message.role] ?? "Note"}: ${text.replace(/\s*\n\s*/g, " ").trim()}`;
    if (used + line.length > MAX_CHARS) break;
    used += line.length + 1;
    lines.unshift(line);
  }
  if (lines.length === 0) return null;
  return [SEED_HEADER, ...lines, SEED_FOOTER].join("\n");
}
