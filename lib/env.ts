import { z } from "zod";
import { CLOUD_PROVIDERS } from "@/lib/sandboxes/cloud-providers";

// Every environment variable of the portal, parsed once. Pure parsing lives in parseEnv so it can be
// unit-tested; `env()` caches the result for the process.

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const postgresUrl = z
  .string()
  .trim()
  .refine((value) => /^postgres(ql)?:\/\/.+/.test(value), "must be a postgres:// or postgresql:// URL");

const httpUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL");

const jsonObject = z.string().transform((value, ctx) => {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: "custom", message: "must be a JSON object" });
  return z.NEVER;
});

const emptyToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

const envSchema = z
  .object({
    PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(65535).default(3000)),
    DATABASE_URL: z.preprocess(emptyToUndefined, postgresUrl.optional()),
    PORTAL_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default(".data")),
    SANDBOX_AGENT_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
    SANDBOX_AGENT_TOKEN: optionalString,
    NEXTAUTH_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, "must be at least 32 characters").optional()),
    NEXTAUTH_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
    PORTAL_ADMIN_EMAIL: z.preprocess(emptyToUndefined, z.email("must be an email address").optional()),
    PORTAL_ADMIN_PASSWORD: z.preprocess(emptyToUndefined, z.string().min(12, "must be at least 12 characters").optional()),
    // Events held in memory while the database is away before running turns are paused.
    PORTAL_EVENT_QUEUE_BUDGET: z.preprocess(emptyToUndefined, z.coerce.number().int().min(100).default(500_000)),
    // Where agents run: `bwrap` (a bubblewrap jail per sandbox), `local` (unisolated, on this host),
    // or a hosted provider of the SDK (lib/sandboxes/cloud.ts).
    PORTAL_SANDBOX: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .trim()
        .refine((value) => value !== "cloudflare", "cloudflare sandboxes are driven from inside a Cloudflare Worker (its provider takes the Worker's Sandbox binding), not from a Node server; use e2b, daytona, modal, docker or vercel")
        .pipe(z.enum(["bwrap", "local", ...CLOUD_PROVIDERS]))
        .default("bwrap"),
    ),
    // The provider's options, as JSON (e.g. {"template":"my-template"} for e2b, {"image":"…"} for docker).
    PORTAL_SANDBOX_OPTIONS: z.preprocess(emptyToUndefined, jsonObject.default({})),
    // A bwrap sandbox's network; unset: outbound when an agent credential is set, none otherwise.
    PORTAL_SANDBOX_NETWORK: z.preprocess(emptyToUndefined, z.enum(["none", "outbound"]).optional()),
    PORTAL_SANDBOX_IDLE_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().positive().default(30)),
    PORTAL_SANDBOX_MAX_RUNNING: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(20)),
    PORTAL_SANDBOX_RETAIN_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().min(0).default(7)),
    // Honour X-Forwarded-For/-Proto/-Host only behind a proxy that sets them.
    PORTAL_TRUST_PROXY: z.preprocess(emptyToUndefined, z.enum(["0", "1"]).default("0")).transform((value) => value === "1"),
    PORTAL_TEAM_CREATION: z.preprocess(emptyToUndefined, z.enum(["everyone", "admins"]).default("everyone")),
    PORTAL_SESSION_IDLE_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().positive().max(365).default(7)),
    PORTAL_SESSION_MAX_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().positive().max(365).default(30)),
    // A bearer token Prometheus scrapes GET /api/metrics with (instance admins may read it too).
    PORTAL_METRICS_TOKEN: z.preprocess(emptyToUndefined, z.string().min(32, "must be at least 32 characters").optional()),
    PORTAL_LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")),
    // Sign-in attempts per 15 minutes: per account from one address, per address, per account from all.
    PORTAL_SIGN_IN_LIMIT_ACCOUNT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(10)),
    PORTAL_SIGN_IN_LIMIT_IP: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(100)),
    PORTAL_SIGN_IN_LIMIT_ACCOUNT_ANY_ADDRESS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(100)),
    // API requests per minute per user (or per token).
    PORTAL_API_RATE_LIMIT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(1200)),
    PORTAL_MAX_STREAMS_PER_USER: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(50)),
    // Several instances on one database: an instance that has not renewed its lease for this long is
    // taken to be gone, and another one takes its sandboxes and sessions over.
    PORTAL_INSTANCE_LEASE_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(2).max(600).default(15)),
    PORTAL_MAX_RUNNING_TURNS_PER_TEAM: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(20)),
  })
  .superRefine((value, ctx) => {
    if (Boolean(value.PORTAL_ADMIN_EMAIL) !== Boolean(value.PORTAL_ADMIN_PASSWORD)) {
      const missing = value.PORTAL_ADMIN_EMAIL ? "PORTAL_ADMIN_PASSWORD" : "PORTAL_ADMIN_EMAIL";
      ctx.addIssue({ code: "custom", path: [missing], message: "must be set together with the other PORTAL_ADMIN_* variable" });
    }
  });

export type PortalEnv = z.infer<typeof envSchema>;

export class EnvError extends Error {}

/** Parses the given variables; throws an EnvError whose message is one line naming the variable. */
export function parseEnv(raw: Record<string, string | undefined>): PortalEnv {
  const result = envSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? "environment");
  throw new EnvError(`Invalid environment variable ${name}: ${issue?.message ?? "invalid value"}`);
}

const cache = globalThis as unknown as { portalEnv?: PortalEnv };

export function env(): PortalEnv {
  cache.portalEnv ??= parseEnv(process.env);
  return cache.portalEnv;
}
