import { z } from "zod";

export const createTeamBody = z.object({ name: z.string().trim().min(1, "must not be empty").max(100) });
