import { z } from "zod";

const index = z.coerce.number().int("must be an integer").min(0, "must not be negative").max(2_147_483_647);

export const streamQuery = z.object({ after: index.optional() });

// EventSource sends the id of the last event it received when it reconnects.
export const streamHeaders = z.object({ "last-event-id": index.optional() });
