import "server-only";
import { env } from "@/lib/env";

// The cluster's state in this process (on globalThis: the boot bundle and the route bundles share it).

interface Cluster {
  leaseMs: number;
  timer: NodeJS.Timeout | null;
  /** Since when heartbeats succeed without a break: only then may this instance judge others dead. */
  healthySince: number | null;
  leaving: boolean;
  onTick: Array<() => void>;
}

const globalCluster = globalThis as unknown as { portalCluster?: Cluster };

export function cluster(): Cluster {
  globalCluster.portalCluster ??= { leaseMs: env().PORTAL_INSTANCE_LEASE_SECONDS * 1_000, timer: null, healthySince: null, leaving: false, onTick: [] };
  return globalCluster.portalCluster;
}

export function leaseSeconds() {
  return cluster().leaseMs / 1_000;
}
