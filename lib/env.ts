import { z } from "zod";
import { AGENT_IDS, type AgentId } from "@/lib/agents/catalog";
import { groupRolesSchema } from "@/lib/auth/sso-schema";
import { DEFAULT_GROUPS_CLAIM, DEFAULT_SSO_NAME } from "@/lib/contract/sso";
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

// A size in bytes: a number with an optional k/m/g/t suffix (powers of 1024), e.g. `2g`, `512m`, `1.5G`.
const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
export function parseByteSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!match) return null;
  const bytes = Math.floor(Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

const byteSize = (min: number, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const bytes = parseByteSize(value);
      if (bytes === null) ctx.addIssue({ code: "custom", message: "must be a size like 512m, 2g or a number of bytes" });
      else if (bytes < min) ctx.addIssue({ code: "custom", message: `must be at least ${min / 1024 ** 2} MiB` });
      return bytes ?? z.NEVER;
    });

const emptyToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

const envSchema = z
  .object({
    PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(65535).default(3000)),
    DATABASE_URL: z.preprocess(emptyToUndefined, postgresUrl.optional()),
    PORTAL_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default(".data")),
    SANDBOX_AGENT_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
    SANDBOX_AGENT_TOKEN: optionalString,
    // The key that encrypts secrets at rest (repository tokens, ...): 32 bytes as base64 or hex; unset: generated into the data dir.
    PORTAL_SECRETS_KEY: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/, "must be 32 bytes as 64 hex digits or base64")
        .optional(),
    ),
    NEXTAUTH_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, "must be at least 32 characters").optional()),
    // The instance's own model keys and upstreams: what the model gateway uses for a team without its own.
    ANTHROPIC_API_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
    ANTHROPIC_BASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
    OPENAI_API_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
    OPENAI_BASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
    NEXTAUTH_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
    PORTAL_ADMIN_EMAIL: z.preprocess(emptyToUndefined, z.email("must be an email address").optional()),
    PORTAL_ADMIN_PASSWORD: z.preprocess(emptyToUndefined, z.string().min(12, "must be at least 12 characters").optional()),
    // How long a runtime that takes connections but answers no health check (busy, starved of CPU, or
    // hung) is given before it is restarted, ending its turns; one that refuses them is restarted at once.
    PORTAL_RUNTIME_UNANSWERED_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(3_000).default(30_000)),
    // Events held in memory while the database is away before running turns are paused.
    PORTAL_EVENT_QUEUE_BUDGET: z.preprocess(emptyToUndefined, z.coerce.number().int().min(100).default(500_000)),
    // Where agents run: `bwrap` (a bubblewrap jail per sandbox), `local` (unisolated, on this host),
    // or a hosted provider of the SDK (lib/sandboxes/providers/cloud.ts).
    PORTAL_SANDBOX: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .trim()
        .refine(
          (value) => value !== "cloudflare",
          "cloudflare sandboxes are driven from inside a Cloudflare Worker (its provider takes the Worker's Sandbox binding), not from a Node server; use e2b, daytona, modal, docker or vercel",
        )
        .pipe(z.enum(["bwrap", "local", ...CLOUD_PROVIDERS]))
        .default("bwrap"),
    ),
    // The provider's options, as JSON (e.g. {"template":"my-template"} for e2b, {"image":"…"} for docker).
    PORTAL_SANDBOX_OPTIONS: z.preprocess(emptyToUndefined, jsonObject.default({})),
    // A bwrap sandbox's network: none, models (the model gateway only; the default) or outbound (the gateway and the internet).
    PORTAL_SANDBOX_NETWORK: z.preprocess(emptyToUndefined, z.enum(["none", "models", "outbound"]).default("models")),
    PORTAL_SANDBOX_IDLE_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().positive().default(30)),
    PORTAL_SANDBOX_MAX_RUNNING: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(20)),
    // Of those, how many one team may hold at once; unset: half of PORTAL_SANDBOX_MAX_RUNNING (at least 1).
    PORTAL_SANDBOX_MAX_RUNNING_PER_TEAM: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).optional()),
    // A start that finds no slot waits in line this long (its session shows its place), then 503.
    PORTAL_SANDBOX_QUEUE_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).default(180)),
    // Limits of each bwrap sandbox (lib/sandboxes/limits.ts): its memory (swap off), CPUs, processes,
    // the disk of its workspace and home, and each tmpfs of the jail (/tmp, the runtime's data, /dev/shm).
    PORTAL_SANDBOX_MEMORY: z.preprocess(emptyToUndefined, byteSize(64 * 1024 ** 2, "2g")),
    PORTAL_SANDBOX_CPUS: z.preprocess(emptyToUndefined, z.coerce.number().min(0.01).max(1024).default(1)),
    PORTAL_SANDBOX_PIDS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(16).default(512)),
    PORTAL_SANDBOX_DISK: z.preprocess(emptyToUndefined, byteSize(32 * 1024 ** 2, "5g")),
    PORTAL_SANDBOX_TMP: z.preprocess(emptyToUndefined, byteSize(1024 ** 2, "512m")),
    // `off`: no cgroup per sandbox even where the host allows one (rlimits only, as on a host without).
    PORTAL_SANDBOX_CGROUPS: z.preprocess(emptyToUndefined, z.enum(["auto", "off"]).default("auto")),
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
    // Real agents (lib/agents): where they are installed (default <data dir>/agents), npm's cache for
    // their installs (default /var/cache/agent-portal/npm as root, npm's own otherwise), and which
    // ones the portal installs at start when missing (comma-separated ids).
    PORTAL_AGENTS_DIR: optionalString,
    PORTAL_AGENTS_NPM_CACHE: optionalString,
    PORTAL_AGENTS: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .transform((value) => [
          ...new Set(
            value
              .split(",")
              .map((id) => id.trim())
              .filter(Boolean),
          ),
        ])
        .pipe(z.array(z.enum(AGENT_IDS as [AgentId, ...AgentId[]], { message: `must list agent ids out of ${AGENT_IDS.join(", ")}` })))
        .default([]),
    ),
    // Which addresses webhooks may be sent to (an instance admin can change it on /admin).
    PORTAL_WEBHOOK_TARGETS: z.preprocess(emptyToUndefined, z.enum(["public", "loopback", "private"]).default("public")),
    // The first retry of a failed webhook delivery waits this long; each next one twice as long (at most an hour), for 24 hours.
    PORTAL_WEBHOOK_RETRY_BASE_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(100).max(3_600_000).default(10_000)),
    // Single sign-on (OIDC), beside passwords: all three of issuer, client id and secret, or none.
    PORTAL_OIDC_ISSUER: z.preprocess(emptyToUndefined, httpUrl.optional()),
    PORTAL_OIDC_CLIENT_ID: optionalString,
    PORTAL_OIDC_CLIENT_SECRET: optionalString,
    PORTAL_OIDC_NAME: z.preprocess(emptyToUndefined, z.string().trim().max(60).default(DEFAULT_SSO_NAME)),
    // Email domains whose people get an account at their first SSO sign-in (comma-separated); empty: nobody new.
    PORTAL_OIDC_ALLOWED_DOMAINS: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .default("")
        .transform((value) =>
          value
            .split(",")
            .map((domain) => domain.trim().toLowerCase())
            .filter(Boolean),
        ),
    ),
    // The ID token or userinfo claim that lists a person's groups (an array of strings, or one string).
    PORTAL_OIDC_GROUPS_CLAIM: z.preprocess(emptyToUndefined, z.string().trim().min(1).max(200).default(DEFAULT_GROUPS_CLAIM)),
    // Groups to team roles, applied at every SSO sign-in (lib/auth/sso-groups.ts), as JSON:
    // [{"group":"eng","team":"Engineering","role":"member"}, …]; team is a team's id or exact name.
    PORTAL_OIDC_GROUP_ROLES: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .default("[]")
        .transform((value, ctx) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(value);
          } catch {
            parsed = undefined;
          }
          const result = groupRolesSchema.safeParse(parsed);
          if (result.success) return result.data;
          const issue = result.error.issues[0];
          const where = issue?.path.length ? ` (at ${issue.path.join(".")}: ${issue.message})` : "";
          ctx.addIssue({ code: "custom", message: `must be a JSON array of {"group","team","role"} with role viewer, member, admin or owner${where}` });
          return z.NEVER;
        }),
    ),
  })
  .superRefine((value, ctx) => {
    const oidc = [value.PORTAL_OIDC_ISSUER, value.PORTAL_OIDC_CLIENT_ID, value.PORTAL_OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      const missing = ["PORTAL_OIDC_ISSUER", "PORTAL_OIDC_CLIENT_ID", "PORTAL_OIDC_CLIENT_SECRET"][oidc.findIndex((part) => !part)]!;
      ctx.addIssue({ code: "custom", path: [missing], message: "must be set together with the other PORTAL_OIDC_* variables" });
    }
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
