import "server-only";
import type { PortalEnv } from "@/lib/env";
import { CATALOG_SANDBOX_ID } from "@/lib/sandboxes/pool";
import { CLOUD_PROVIDERS, type CloudProviderName } from "@/lib/sandboxes/cloud-providers";
import { sandboxesRoot } from "@/lib/sandboxes/layout";
import { chooseSandboxNetwork } from "@/lib/sandboxes/network";
import { bwrapAvailable, bwrapProvider } from "@/lib/sandboxes/providers/bwrap";
import { cloudProvider, loadCloudProvider } from "@/lib/sandboxes/providers/cloud";
import { externalProvider, localProvider } from "@/lib/sandboxes/providers/local";
import type { SandboxProvider, TurnsIn } from "@/lib/sandboxes/providers/provider";

/** The provider PORTAL_SANDBOX (or SANDBOX_AGENT_URL) names, ready to use; throws one line when it cannot be had. */
export async function chooseSandboxProvider({ config, dataDir, turnsIn }: { config: PortalEnv; dataDir: string; turnsIn: TurnsIn }): Promise<SandboxProvider> {
  const root = sandboxesRoot(dataDir);
  if (config.SANDBOX_AGENT_URL) return externalProvider({ url: config.SANDBOX_AGENT_URL, token: config.SANDBOX_AGENT_TOKEN, sandboxesRoot: root });
  const name = config.PORTAL_SANDBOX;
  if (name === "local") return localProvider({ dataDir, sandboxesRoot: root, turnsIn });
  if (isCloudProvider(name)) return cloudProvider(name, await loadCloudProvider(name, config.PORTAL_SANDBOX_OPTIONS), CATALOG_SANDBOX_ID);
  if (!bwrapAvailable()) {
    throw new Error(
      "sandboxes need bubblewrap (PORTAL_SANDBOX=bwrap, the default): install it with `apt-get install bubblewrap`, or set PORTAL_SANDBOX=local to run agents unisolated on this host",
    );
  }
  const { network } = chooseSandboxNetwork(config.PORTAL_SANDBOX_NETWORK);
  return bwrapProvider({ sandboxesRoot: root, network, turnsIn });
}

function isCloudProvider(name: string): name is CloudProviderName {
  return (CLOUD_PROVIDERS as readonly string[]).includes(name);
}
