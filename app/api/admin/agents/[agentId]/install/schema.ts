import { z } from "zod";
import { AGENT_IDS, type AgentId } from "@/lib/agents/catalog";

// An id outside the catalog names no agent: the wrapper answers 404 for it.
export const installParams = z.object({ agentId: z.enum(AGENT_IDS as [AgentId, ...AgentId[]]) });
