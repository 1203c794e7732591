import { ApiError, unprocessable } from "@/lib/errors";
import type { ContentBlock } from "@/lib/sessions/turns";

// A prompt is plain text or ACP content blocks; the text limit is a 413, empty text a 422.

const MAX_TEXT_BYTES = 256 * 1024;

export function promptContent(body: { text: string } | { content: ContentBlock[] }): ContentBlock[] {
  const content: ContentBlock[] = "text" in body ? [{ type: "text", text: body.text }] : body.content;
  const text = content.filter((block) => block.type === "text").map((block) => (block as { text: string }).text);
  if (Buffer.byteLength(text.join("")) > MAX_TEXT_BYTES) throw new ApiError(413, "The prompt text is over the 256 KiB limit.");
  const hasLink = content.some((block) => block.type === "resource_link");
  if (!hasLink && text.every((value) => value.trim() === "")) {
    throw unprocessable("The prompt is empty.", [{ path: "text" in body ? "text" : "content", message: "must not be empty" }]);
  }
  return content;
}
