import { z } from "zod";


const textBlock = z.object({ type: z.literal("text"), text: z.string() });
const resourceLinkBlock = z.object({
  type: z.literal("resource_link"),
  uri: z.string().min(1).max(4096),
  name: z.string().min(1).max(500),
  mimeType: z.string().max(200).optional(),
});

export const promptBody = z.union([
  z.object({ text: z.string() }).strict(),
  z.object({ content: z.array(z.discriminatedUnion("type", [textBlock, resourceLinkBlock])).min(1, "must hold at least one block").max(100) }).strict(),
]);
