import { tooLarge, unprocessable } from "@/lib/errors";

// A prompt is plain text or ACP content blocks: `text`, and `resource_link` for a file in the
// sandbox (a file:// URI of an absolute path). Text over 256 KiB is a 413, an empty prompt a 422.
// Pure, so it is unit-tested; that the linked file exists is checked against the runtime (turns.ts).

export type ContentBlock =
  { type: "text"; text: string } | { type: "resource_link"; uri: string; name: string; mimeType?: string; title?: string; description?: string; size?: number };

export const MAX_PROMPT_TEXT_BYTES = 256 * 1024;

/** The absolute path a file:// URI names, or null when it is not one. */
export function fileUriPath(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol !== "file:" || (url.host !== "" && url.host !== "localhost")) return null;
  try {
    const path = decodeURIComponent(url.pathname);
    return path.startsWith("/") && !path.includes("\0") ? path : null;
  } catch {
    return null;
  }
}

// Half of a surrogate pair (an emoji cut in two by a client) makes the runtime refuse the whole
// request, and the agent would never see the turn: it becomes U+FFFD, as in any UTF-8 text.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function wellFormed<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_key, item: unknown) => (typeof item === "string" ? item.replace(LONE_SURROGATE, "\uFFFD") : item)) as T;
}

export function promptContent(body: { text?: string; content?: ContentBlock[] }): ContentBlock[] {
  const content: ContentBlock[] = wellFormed(body.content ?? [{ type: "text", text: body.text ?? "" }]);
  const text = content.filter((block) => block.type === "text").map((block) => (block as { text: string }).text);
  if (Buffer.byteLength(text.join("")) > MAX_PROMPT_TEXT_BYTES) throw tooLarge("The prompt text is over the 256 KiB limit.");
  for (const [index, block] of content.entries()) {
    if (block.type === "resource_link" && !fileUriPath(block.uri)) {
      throw unprocessable("A resource_link must point at a file in the sandbox: a file:// URI of an absolute path.", [
        { path: `content.${index}.uri`, message: "must be a file:// URI of an absolute path" },
      ]);
    }
  }
  const hasLink = content.some((block) => block.type === "resource_link");
  if (!hasLink && text.every((value) => value.trim() === "")) {
    throw unprocessable("The prompt is empty.", [{ path: body.content ? "content" : "text", message: "must not be empty" }]);
  }
  return content;
}
