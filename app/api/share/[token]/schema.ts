import { z } from "zod";
import { limitParam } from "@/lib/db/keyset";

export const shareParams = z.object({ token: z.string().max(200) });

const index = z.coerce.number().int("must be an integer").min(0, "must not be negative").max(2_147_483_647);

export const shareEventsQuery = z.object({ after: index.default(0), limit: limitParam });

export const shareStreamQuery = z.object({ after: index.optional() });

export const shareStreamHeaders = z.object({ "last-event-id": index.optional() });
