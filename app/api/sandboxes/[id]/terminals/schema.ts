import { z } from "zod";
import { pathId } from "@/lib/api/params";

const size = { cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) };

export const openTerminalBody = z.object({ cols: size.cols.optional(), rows: size.rows.optional() }).strict();
export const terminalParams = z.object({ id: pathId, tid: z.uuid() });
// The runtime takes at most 64 KiB of input per request.
export const terminalInputBody = z.object({ data: z.string().min(1).max(16_384) }).strict();
export const terminalResizeBody = z.object(size).strict();
export const terminalStreamHeaders = z.object({ "last-event-id": z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() });
