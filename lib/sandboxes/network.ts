import "server-only";
import { spawnSync } from "node:child_process";

// A bwrap sandbox's network (PORTAL_SANDBOX_NETWORK). `none`: the jail's network namespace is
// empty, so nothing in it reaches anything. `models` (the default): empty too, but for the portal's
// model gateway, bridged into the jail's loopback through a Unix socket of that sandbox's own
// (lib/gateway): an agent reaches its model and nothing else. `outbound`: the gateway, and pasta (Debian's `passt`) gives that namespace
// internet egress through sockets it opens on the host — with the host's loopback and every port
// bound on it out of reach: no port forwarding in either direction (-t/-u/-T/-U none) and the
// gateway address not mapped to the host (--no-map-gw). The namespace takes the host's address as
// its own, so the host's other addresses answer from inside the jail, not from the host.

export type SandboxNetwork = "none" | "models" | "outbound";

export function pastaAvailable(): boolean {
  return spawnSync("pasta", ["--version"], { stdio: "ignore" }).error === undefined;
}

/** The network sandboxes get, as configured; throws one line when it cannot be had. */
export function chooseSandboxNetwork(configured: SandboxNetwork): { network: SandboxNetwork } {
  if (configured === "outbound" && !pastaAvailable()) throw new Error("PORTAL_SANDBOX_NETWORK=outbound needs pasta: install it with `apt-get install passt`");
  return { network: configured };
}

/** Files an agent with internet access needs to resolve names and check certificates. */
export const OUTBOUND_ETC = ["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/ssl/certs", "/etc/ca-certificates"];

/**
 * The command that puts a jail (`bwrap …`, which must then `--share-net`) in an outbound network
 * namespace: pasta creates the user and network namespaces, connects them, and runs bwrap inside as
 * the namespace's root, while it forwards the jail's traffic through sockets of its own on the host.
 * It runs as the sandbox's uid (pasta refuses root), and dies with the portal like bwrap would: the
 * parent-death signal is set by a second setpriv, after the uid change that would clear it.
 */
export function outboundCommand(uid: number | null, bwrap: string[]): string[] {
  const pasta = ["pasta", "--config-net", "--no-map-gw", "-t", "none", "-u", "none", "-T", "none", "-U", "none", "--quiet", "--foreground", "--", ...bwrap];
  const dieWithPortal = ["setpriv", "--pdeathsig=SIGKILL", "--", ...pasta];
  return uid === null ? dieWithPortal : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--inh-caps=-all", "--", ...dieWithPortal];
}
