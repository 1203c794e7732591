import "server-only";
import type { RuntimeConfig } from "@/lib/runtime/manager";
import type { CloudProviderName } from "@/lib/sandboxes/cloud-providers";
import type { SandboxDirs } from "@/lib/sandboxes/layout";

// Where a team's sandboxes run (PORTAL_SANDBOX). Each provider is one file beside this one:
// `bwrap` (a bubblewrap jail per sandbox on this host), `local` (one unisolated runtime on this host,
// or one the operator runs: SANDBOX_AGENT_URL) and `cloud` (the SDK's hosted providers). The pool
// (lib/sandboxes/pool.ts) starts, stops and counts runtimes the same way for all of them; a provider
// only says how a sandbox's runtime is launched or reached and where its files are.

export type SandboxProviderName = "bwrap" | "local" | "external" | CloudProviderName;

/** A sandbox as its provider needs it: its id, its uid number, and its directory once it has one. */
export interface SandboxRef {
  id: string;
  seq: number;
  hostDir?: string | null;
}

/** The turns running in a sandbox (or, for a shared runtime, anywhere): the model gateway bills them. */
export type TurnsIn = (sandboxId: string | null) => Array<{ sessionId: string; userId: string | null }>;

/** How a runtime is started or reached: by a launcher on this host, through a provider, or at a URL. */
export type RuntimeSource = Pick<RuntimeConfig, "launcher" | "remote" | "externalUrl" | "externalToken">;

export interface SandboxProvider {
  readonly name: SandboxProviderName;
  /** One runtime serves every sandbox (local, external): sandboxes cannot be stopped one by one. */
  readonly shared: boolean;
  /** Whether the pool keeps one sandbox started ahead of need (free on this host, paid at a provider). */
  readonly keepsSpare: boolean;
  /** The workspace path a sandbox's agent sees. */
  workspaceFor(sandboxId: string): string;
  /** A sandbox's directory on this host, recorded on its row so another owner finds its files. */
  hostDirFor(sandboxId: string): string | null;
  /** Its workspace as this host sees it (for its disk use), when it is on this host. */
  workspaceOnHost(sandbox: SandboxRef): string | null;
  /** Its directories on this host, for what the portal does there as the sandbox (clone, archive); null: not on this host. */
  hostDirs(sandbox: SandboxRef): SandboxDirs | null;
  /** The uid its processes run as on this host; null: the portal's own. */
  uidOf(sandbox: SandboxRef): number | null;
  /** The runtime of one sandbox (or, when shared, of all of them). */
  runtimeFor(sandbox: SandboxRef): RuntimeSource;
  /**
   * Whether a process the sandbox's runtime started (by its command line, as this host sees it) is an
   * agent, not a terminal or a git command: what a release of its agents ends (lib/sandboxes/pool.ts
   * releaseAgents). Only for a provider whose runtimes run on this host.
   */
  agentProcess?(commandLine: string): boolean;
  /** A sandbox's runtime stopped for good (idle, room, admin, destroy, shutdown): let go of what it held. */
  released?(sandboxId: string): Promise<void>;
  /** The running sandboxes and their teams (null: none, e.g. the agent catalog), whenever they change: CPU is shared by team. */
  shareCpu?(running: Array<{ sandbox: SandboxRef; teamId: string | null }>): void;
  /** The pool a provider asks to stop a sandbox that hit one of its limits. */
  attach?(pool: { stop(sandboxId: string, reason: "limit"): Promise<void> }): void;
  /** Removes a destroyed sandbox's files once its retention ends. */
  removeFiles(sandbox: SandboxRef): Promise<void>;
  /** Where sandboxes run, in a few words for the start log. */
  describe(): string;
}
