import { z } from "zod";
import { MODEL_PROVIDERS } from "@/lib/contract/credentials";

// A provider this portal has no gateway for names nothing: 404, like an unknown id.
export const params = z.object({ teamId: z.string().min(1).max(200), provider: z.enum(MODEL_PROVIDERS) });

export const setCredentialBody = z.object({
  apiKey: z.string().trim().min(8, "must be the provider's API key").max(4096),
  // The team's own upstream (a company gateway, a Bedrock/Vertex-compatible proxy, a local model server).
  baseUrl: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .max(2048)
    .nullish(),
});
