import { z } from "zod";

// A prompt is `{text}` or `{content: [...]}` with ACP blocks the portal passes on: text, and
// resource_link for a file in the sandbox. Other block types (image, audio, resource) are refused.

const textBlock = z.object({ type: z.literal("text"), text: z.string() });
const resourceLinkBlock = z.object({
  type: z.literal("resource_link"),
  uri: z.string().min(1).max(4096),
  name: z.string().min(1).max(500),
  mimeType: z.string().max(200).optional(),
  title: z.string().max(500).optional(),
  description: z.string().max(2000).optional(),
  size: z.number().int().min(0).optional(),
});
const block = z.discriminatedUnion("type", [textBlock, resourceLinkBlock], { error: "must be a block of type text or resource_link" });

export const promptBody = z
  .object({
    text: z.string().optional(),
    content: z.array(block).min(1, "must hold at least one block").max(100, "must hold at most 100 blocks").optional(),
  })
  .strict()
  .refine((body) => (body.text === undefined) !== (body.content === undefined), { error: "send either text or content (one of them)" });
