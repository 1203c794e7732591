import "server-only";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { agentsDir } from "@/lib/agents/installer";
import { writeRuntimeBin } from "@/lib/agents/runtime-bin";
import { stopLeftoverProcess } from "@/lib/process-utils";
import { readPid, runtimeBinary } from "@/lib/runtime/host-launcher";
import type { RuntimeLauncher } from "@/lib/runtime/manager";
import { createRuntimeFetch } from "@/lib/runtime/runtime-fetch";
import { runtimeEnvironment } from "@/lib/sandboxes/environment";
import type { SandboxDirs } from "@/lib/sandboxes/layout";
import { OUTBOUND_ETC, outboundCommand, type SandboxNetwork } from "@/lib/sandboxes/network";

// PORTAL_SANDBOX=bwrap: each sandbox is one `sandbox-agent server` in a bubblewrap jail. Inside it
// there is the sandbox's workspace (read-write, /workspace), its home, read-only /usr and the agent
// binaries (/opt/portal) — and nothing else: no PORTAL_DATA_DIR, no host /proc, no other
// workspace, no home directories. As root the jail runs as the sandbox's own uid (not root, not the
// portal's); otherwise as the portal's uid inside a user namespace. Its network namespace is its own
// (empty, or with internet egress through pasta: lib/sandboxes/network.ts), so the runtime's port is
// unreachable from the host; the portal talks to it through a Unix socket in a directory only that
// uid can enter (lib/sandboxes/jail-init.mjs bridges the two).

export const WORKSPACE = "/workspace";
const HOME = "/home/sandbox";
const OPT = "/opt/portal";
const RUN = "/run/portal";
const AGENTS = "/opt/agents";
const PORT_INSIDE = "2468";

export function bwrapAvailable(): boolean {
  return spawnSync("bwrap", ["--version"], { stdio: "ignore" }).status === 0;
}

export function bwrapLauncher(dirs: SandboxDirs, uid: number | null, network: SandboxNetwork): RuntimeLauncher {
  return {
    async launch() {
      const pidFile = path.join(dirs.root, "runtime.pid");
      await stopLeftoverProcess(readPid(pidFile), "bwrap");
      installAgentBinaries(dirs.opt);
      prepareSandboxDirs(dirs, uid);
      const outbound = network === "outbound";
      const bwrap = ["bwrap", ...jailArguments(dirs, outbound ? (uid ?? process.getuid?.() ?? 0) : null)];
      const [command, ...rest] = outbound
        ? outboundCommand(uid, bwrap)
        : uid === null
          ? bwrap
          : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--inh-caps=-all", "--", ...bwrap];
      // A process group of its own: a terminal's Ctrl+C reaches the portal, which stops its sandboxes in order.
      const child = spawn(command!, rest, { env: runtimeEnvironment(HOME, "/usr/bin:/bin"), stdio: ["ignore", "ignore", "pipe"], detached: true });
      return { child, url: "http://sandbox", token: "", fetch: createRuntimeFetch({ socketPath: path.join(dirs.run, "runtime.sock") }), pidFile };
    },
  };
}

/** `outboundUid`: the jail shares the network namespace pasta made, and runs as this uid inside pasta's user namespace. */
function jailArguments(dirs: SandboxDirs, outboundUid: number | null): string[] {
  const node = process.execPath;
  const outbound = outboundUid !== null;
  const args = [
    "--unshare-all",
    ...(outbound ? ["--share-net", "--uid", String(outboundUid), "--gid", String(outboundUid)] : []),
    "--die-with-parent",
    "--new-session",
    "--ro-bind", "/usr", "/usr",
    "--symlink", "usr/bin", "/bin",
    "--symlink", "usr/lib", "/lib",
    "--symlink", "usr/lib64", "/lib64",
    "--ro-bind", dirs.opt, OPT,
    "--bind", dirs.workspace, WORKSPACE,
    "--bind", dirs.home, HOME,
    "--ro-bind", runtimeBinDir(dirs), `${HOME}/sandbox-agent/bin`,
    "--ro-bind-try", agentsDir(), AGENTS,
    "--bind", dirs.run, RUN,
    "--proc", "/proc",
    "--dev", "/dev",
    "--tmpfs", "/tmp",
    "--chdir", WORKSPACE,
  ];
  if (!node.startsWith("/usr/")) args.push("--ro-bind", path.dirname(node), path.dirname(node));
  if (outbound) for (const file of OUTBOUND_ETC) args.push("--ro-bind-try", file, file);
  return [...args, node, `${OPT}/jail-init.mjs`, `${OPT}/sandbox-agent`, `${RUN}/runtime.sock`, PORT_INSIDE];
}

/** The runtime binary, the demo agent and the jail's init, where every sandbox's uid can read them. */
function installAgentBinaries(opt: string) {
  mkdirSync(opt, { recursive: true, mode: 0o755 });
  chmodSync(opt, 0o755);
  const sources: Array<[string, string, number]> = [
    [runtimeBinary(), "sandbox-agent", 0o755],
    [path.join(process.cwd(), "agents", "demo", "dist", "demo-agent.mjs"), "demo-agent.mjs", 0o644],
    [path.join(process.cwd(), "lib", "sandboxes", "jail-init.mjs"), "jail-init.mjs", 0o644],
  ];
  for (const [source, name, mode] of sources) {
    const target = path.join(opt, name);
    if (existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs && statSync(target).size === statSync(source).size) continue;
    copyFileSync(source, `${target}.new`);
    chmodSync(`${target}.new`, mode);
    spawnSync("mv", ["-f", `${target}.new`, target]);
  }
}

function prepareSandboxDirs(dirs: SandboxDirs, uid: number | null) {
  mkdirSync(dirs.root, { recursive: true, mode: 0o711 });
  for (const dir of [dirs.workspace, dirs.home, dirs.run]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (uid !== null) chownSync(dir, uid, uid);
    chmodSync(dir, 0o700);
  }
  // The runtime's agent slots (the demo and every installed agent), bound read-only at
  // $XDG_DATA_HOME/sandbox-agent/bin: written by the portal, never into the sandbox's home.
  writeRuntimeBin({ binDir: runtimeBinDir(dirs), agentsDirInJail: AGENTS, demoAgentCommand: [process.execPath, `${OPT}/demo-agent.mjs`] });
}

/** One bin dir for every sandbox of this host, beside the shared binaries. */
function runtimeBinDir(dirs: SandboxDirs) {
  return path.join(path.dirname(dirs.opt), "bin");
}
