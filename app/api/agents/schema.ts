import { z } from "zod";

export const agentsQuery = z.object({ teamId: z.string().min(1).max(200).optional() });
