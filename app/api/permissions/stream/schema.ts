import { z } from "zod";

// A time in ms since the epoch: the page's render time, or the last snapshot's id on a reconnect.
const time = z.coerce.number().int("must be an integer").min(0, "must not be negative").max(8_640_000_000_000_000);

export const attentionQuery = z.object({ since: time.optional() });

export const attentionHeaders = z.object({ "last-event-id": time.optional() });
