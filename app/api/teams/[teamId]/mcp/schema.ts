import { z } from "zod";
import { storedText } from "@/lib/sessions/stored-text";

const text = (max: number) => storedText().pipe(z.string().min(1).max(max));
const envName = storedText().pipe(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,100}$/, "must be an environment variable name"));
const headerName = storedText().pipe(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "must be an HTTP header name"));
const serverName = storedText().pipe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "letters, digits, . _ - (up to 64)"));

const local = z
  .object({
    name: serverName,
    type: z.literal("local"),
    command: text(1000),
    args: z.array(text(4000)).max(100).optional(),
    env: z.record(envName, storedText().pipe(z.string().max(10_000))).optional(),
  })
  .strict();
// A header value null keeps the one stored (GET shows values as null).
const remote = z
  .object({
    name: serverName,
    type: z.literal("remote"),
    url: storedText().pipe(z.url({ protocol: /^https?$/ }).max(2000)),
    headers: z.record(headerName, storedText().pipe(z.string().max(10_000)).nullable()).optional(),
  })
  .strict();

export const putMcpBody = z
  .object({ servers: z.array(z.discriminatedUnion("type", [local, remote])).max(50) })
  .strict()
  .refine((body) => new Set(body.servers.map((server) => server.name)).size === body.servers.length, { path: ["servers"], message: "names must be unique" });
