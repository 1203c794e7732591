import "server-only";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { SandboxProvider as SdkProvider } from "sandbox-agent";
import { db } from "@/lib/db/client";
import { runtimeFetch } from "@/lib/runtime/runtime-fetch";
import type { CloudProviderName } from "@/lib/sandboxes/cloud-providers";
import type { SandboxProvider } from "@/lib/sandboxes/providers/provider";

// Hosted sandboxes through the SDK's own providers (PORTAL_SANDBOX=e2b | daytona | modal | docker |
// vercel), each configured by PORTAL_SANDBOX_OPTIONS (the provider's options object, as JSON) and by
// its client library's own credential variables (E2B_API_KEY, DAYTONA_API_KEY, ...). A provider and
// its client package are loaded only when chosen: the packages are optional peers of the SDK, so a
// portal that does not use them need not install them.

/**
 * A portal provider over one of the SDK's: each portal sandbox is one sandbox at the provider, its
 * provider id kept on the sandbox's row (the catalog's, which lives only as long as this run, in memory).
 */
export function cloudProvider(name: CloudProviderName, sdk: SdkProvider, catalogId: string): SandboxProvider {
  let catalogProviderId: string | null = null;
  const sandboxAt = (sandboxId: string) =>
    sandboxId === catalogId
      ? new CloudSandbox(sdk, { load: async () => catalogProviderId, save: async (providerId) => void (catalogProviderId = providerId) })
      : new CloudSandbox(sdk, {
          load: async () => (await db().sandbox.findUnique({ where: { id: sandboxId }, select: { providerSandboxId: true } }))?.providerSandboxId ?? null,
          save: async (providerId) => void (await db().sandbox.update({ where: { id: sandboxId }, data: { providerSandboxId: providerId } })),
        });
  return {
    name,
    shared: false,
    // A spare sandbox at a provider would be paid for while nobody uses it.
    keepsSpare: false,
    workspaceFor: () => cloudWorkspace(sdk),
    hostDirFor: () => null,
    workspaceOnHost: () => null,
    hostDirs: () => null,
    uidOf: () => null,
    runtimeFor: (sandbox) => ({ remote: sandboxAt(sandbox.id) }),
    async removeFiles(sandbox) {
      await sandboxAt(sandbox.id).destroy();
      if (sandbox.id !== catalogId) await db().sandbox.updateMany({ where: { id: sandbox.id }, data: { providerSandboxId: null } });
    },
    describe: () => `${name} (a sandbox of the provider per sandbox of a team)`,
  };
}

/** The npm packages each provider imports (the SDK's optional peer dependencies). */
const CLIENT_PACKAGES: Record<CloudProviderName, string[]> = {
  e2b: ["@e2b/code-interpreter"],
  daytona: ["@daytonaio/sdk"],
  modal: ["modal"],
  docker: ["dockerode", "get-port"],
  vercel: ["@vercel/sandbox"],
};

export class ProviderUnavailableError extends Error {}

/** The provider, created with its options; one line naming what to install when its package is missing. */
export async function loadCloudProvider(name: CloudProviderName, options: Record<string, unknown>): Promise<SdkProvider> {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(/* turbopackIgnore: true */ /* webpackIgnore: true */ providerModuleUrl(name))) as Record<string, unknown>;
  } catch (error) {
    // Only a missing client package is the user's to install; anything else is a real failure.
    const missing =
      (error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" &&
      CLIENT_PACKAGES[name].some((pkg) => String((error as Error).message).includes(`'${pkg}'`));
    if (!missing) throw error;
    const packages = CLIENT_PACKAGES[name].join(" ");
    throw new ProviderUnavailableError(
      `PORTAL_SANDBOX=${name} needs the npm package${CLIENT_PACKAGES[name].length > 1 ? "s" : ""} ${packages}: run \`npm install ${packages}\``,
    );
  }
  const create = loaded[name];
  if (typeof create !== "function") throw new ProviderUnavailableError(`sandbox-agent/${name} does not export ${name}()`);
  return (create as (options: Record<string, unknown>) => SdkProvider)(options);
}

/**
 * The SDK's provider module, resolved from the installed package at run time: bundling it would
 * make the build resolve every provider's client package, installed or not.
 */
function providerModuleUrl(name: CloudProviderName): string {
  const root = path.join(process.cwd(), "node_modules", "sandbox-agent");
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { exports?: Record<string, { import?: string }> };
  const entry = manifest.exports?.[`./${name}`]?.import;
  if (!entry) throw new ProviderUnavailableError(`the installed sandbox-agent has no ${name} provider`);
  return pathToFileURL(path.join(root, entry)).href;
}

/** The directory a provider's sandbox starts its agents in: the sandbox's workspace. */
export function cloudWorkspace(provider: SdkProvider): string {
  return (provider as { defaultCwd?: string }).defaultCwd ?? "/workspace";
}

/** Where a provider's runtime answers, as SandboxAgent.start() finds it. */
export interface ProviderConnection {
  url: string;
  token: string;
  fetch: typeof fetch;
}

/**
 * One portal sandbox in a provider: created on first use (its provider id kept by the caller),
 * reconnected (resumed, its server ensured) afterwards. These are SandboxAgent.start()'s steps; the
 * portal takes them itself because each runtime generation gets its own SDK over an observed fetch.
 */
export class CloudSandbox {
  constructor(
    private readonly provider: SdkProvider,
    private readonly store: { load(): Promise<string | null>; save(providerId: string): Promise<void> },
  ) {}

  private providerId: string | null = null;

  async connect(): Promise<ProviderConnection> {
    this.providerId ??= await this.store.load();
    if (!this.providerId) {
      this.providerId = await this.provider.create();
      await this.store.save(this.providerId);
    } else {
      await this.provider.reconnect?.(this.providerId);
      await this.provider.ensureServer?.(this.providerId);
    }
    const id = this.providerId;
    const getToken = (this.provider as { getToken?: (id: string) => Promise<string | undefined> }).getToken;
    return {
      url: this.provider.getUrl ? (await this.provider.getUrl(id)).replace(/\/$/, "") : "http://sandbox",
      token: (await getToken?.call(this.provider, id)) ?? "",
      fetch: this.provider.getFetch ? await this.provider.getFetch(id) : runtimeFetch,
    };
  }

  /** Its server stopped answering: ask the provider to start it again (idempotent by contract). */
  async revive() {
    this.providerId ??= await this.store.load();
    if (this.providerId) await this.provider.ensureServer?.(this.providerId);
  }

  /** Stopped while idle: paused where the provider can, so it costs nothing until the next prompt. */
  async pause() {
    this.providerId ??= await this.store.load();
    if (this.providerId) await this.provider.pause?.(this.providerId);
  }

  async destroy() {
    this.providerId ??= await this.store.load();
    if (this.providerId) await this.provider.destroy(this.providerId);
  }
}
