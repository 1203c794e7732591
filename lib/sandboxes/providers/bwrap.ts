import "server-only";
import { spawn, spawnSync, type ChildProcessByStdio } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, lchownSync, lstatSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { agentsDir } from "@/lib/agents/installer";
import { writeRuntimeBin } from "@/lib/agents/runtime-bin";
import { readPid, runtimeBinary, stopLeftoverProcess } from "@/lib/process-utils";
import type { RuntimeLauncher } from "@/lib/runtime/manager";
import { createRuntimeFetch } from "@/lib/runtime/runtime-fetch";
import { runtimeEnvironment } from "@/lib/sandboxes/environment";
import { sandboxDirs, type SandboxDirs } from "@/lib/sandboxes/layout";
import { NO_LIMITS, prepareJailLimits, removeSandboxLimits, shareCpuByTeam, type JailLimits, type LimitHit } from "@/lib/sandboxes/limits";
import { OUTBOUND_ETC, outboundCommand, type SandboxNetwork } from "@/lib/sandboxes/network";
import { releaseSandboxUid, sandboxUid } from "@/lib/sandboxes/uids";
import { openGateway, type GatewayEndpoint } from "@/lib/gateway/gateway";
import type { SandboxProvider, SandboxRef, TurnsIn } from "@/lib/sandboxes/providers/provider";

// PORTAL_SANDBOX=bwrap: each sandbox is one `sandbox-agent server` in a bubblewrap jail. Inside it
// there is the sandbox's workspace (read-write, /workspace), its home, read-only /usr and the agent
// binaries (/opt/portal) — and nothing else: no PORTAL_DATA_DIR, no host /proc, no other
// workspace, no home directories. As root the jail runs as the sandbox's own uid (not root, not the
// portal's); otherwise as the portal's uid inside a user namespace. Its network namespace is its own
// (empty, or with internet egress through pasta: lib/sandboxes/network.ts), so the runtime's port is
// unreachable from the host; the portal talks to it through a Unix socket in a directory only that
// uid can enter (lib/sandboxes/jail-init.mjs bridges the two).
//
// The sandbox's workspace, home and run directory are written by untrusted code: the portal (root)
// never opens, writes or chowns anything inside them, where a planted symlink would take it anywhere
// on the host. The runtime's agent wrappers live in a root-owned directory bound read-only at
// `$XDG_DATA_HOME/sandbox-agent/bin` (a tmpfs of the jail, not the agent's home), and the socket's directory is handed back to root once the
// runtime listens, so an agent cannot swap the socket for a link to another one.

export const WORKSPACE = "/workspace";
const HOME = "/home/sandbox";
const OPT = "/opt/portal";
const RUN = "/run/portal";
// The agents installed on this host (lib/agents), read-only.
export const AGENTS_IN_JAIL = "/opt/agents";
// The model gateway's socket and the agents' settings for it (lib/gateway), read-only in the jail;
// jail-init bridges GATEWAY_PORT on the jail's loopback to the socket.
const GATEWAY_DIR = "/run/portal-gateway";
const GATEWAY_PORT = "4100";
const PORT_INSIDE = "2468";
// The runtime's data home: a tmpfs of the jail's own, outside the agent's home, so that nothing the
// agent does to its home can change where the runtime finds its agents (…/sandbox-agent/bin).
const RUNTIME_DATA = "/var/lib/runtime";
// Where jail-init tells the agents' relays how far the runtime's event streams have got (agent-relay.mjs).
const RELAY_SOCKET = `${RUNTIME_DATA}/relay.sock`;

export function bwrapAvailable(): boolean {
  return spawnSync("bwrap", ["--version"], { stdio: "ignore" }).status === 0;
}

export function bwrapProvider({ sandboxesRoot, network, turnsIn }: { sandboxesRoot: string; network: SandboxNetwork; turnsIn: TurnsIn }): SandboxProvider {
  const root = process.getuid?.() === 0;
  const gateways = new Map<string, GatewayEndpoint>();
  let stopForLimit: (sandboxId: string) => void = () => undefined;
  const jail: JailSettings = {
    network,
    async openGateway(sandboxId, dirs, uid) {
      await gateways.get(sandboxId)?.close();
      gateways.delete(sandboxId);
      if (network === "none") return false;
      const endpoint = await openGateway({
        socketPath: gatewaySocketOf(dirs, uid),
        caller: { sandboxId, teamKeys: true, runningTurns: () => turnsIn(sandboxId) },
      });
      gateways.set(sandboxId, endpoint);
      handGatewayToJail(dirs, uid, endpoint.token);
      return true;
    },
  };
  return {
    name: "bwrap",
    shared: false,
    keepsSpare: true,
    workspaceFor: () => WORKSPACE,
    hostDirFor: (sandboxId) => sandboxDirs(sandboxesRoot, sandboxId).root,
    workspaceOnHost: (sandbox) => dirsOf(sandboxesRoot, sandbox).workspace,
    hostDirs: (sandbox) => dirsOf(sandboxesRoot, sandbox),
    uidOf: (sandbox) => (root ? sandboxUid(dirsOf(sandboxesRoot, sandbox).root) : null),
    runtimeFor: (sandbox) => {
      const dirs = dirsOf(sandboxesRoot, sandbox);
      // As root every sandbox runs as a uid of its own, unique on this host (lib/sandboxes/uids.ts).
      const limits = { sandboxId: sandbox.id, onHit: () => stopForLimit(sandbox.id) };
      return { launcher: bwrapLauncher(sandbox.id, dirs, root ? sandboxUid(dirs.root) : null, jail, limits) };
    },
    // The agents run from the read-only agent installs, the demo agent from the portal's own files.
    agentProcess: (commandLine) => commandLine.includes(`${AGENTS_IN_JAIL}/`) || commandLine.includes(`${OPT}/demo-agent.mjs`),
    shareCpu: (running) => shareCpuByTeam(running.map(({ sandbox, teamId }) => ({ root: dirsOf(sandboxesRoot, sandbox).root, teamId }))),
    attach(pool) {
      stopForLimit = (sandboxId) => void pool.stop(sandboxId, "limit");
    },
    async released(sandboxId) {
      await gateways.get(sandboxId)?.close();
      gateways.delete(sandboxId);
    },
    async removeFiles(sandbox) {
      const { root: dir } = dirsOf(sandboxesRoot, sandbox);
      // Its disk image is unmounted first; its uid goes back to the host's pool once its files are gone.
      removeSandboxLimits(dir);
      rmSync(dir, { recursive: true, force: true });
      if (root) releaseSandboxUid(dir);
    },
    describe: () =>
      `bwrap in ${sandboxesRoot}${root ? " (each as a uid of its own" : " (as this user, in a user namespace"}, network ${NETWORK_WORDS[network]})`,
  };
}

function dirsOf(sandboxesRoot: string, sandbox: SandboxRef): SandboxDirs {
  return sandboxDirs(sandboxesRoot, sandbox.id, sandbox.hostDir ?? undefined);
}

const NETWORK_WORDS: Record<SandboxNetwork, string> = {
  none: "none",
  models: "the model gateway only",
  outbound: "the model gateway and outbound internet, not the host's loopback",
};

/**
 * Where a sandbox's model gateway listens: a socket in a root-owned directory that only the sandbox's
 * uid may also enter (made here), bound read-only into the jail.
 */
export function gatewaySocketOf(dirs: SandboxDirs, uid: number | null): string {
  const dir = path.join(dirs.root, "gateway");
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  if (uid !== null) lchownSync(dir, 0, uid);
  chmodSync(dir, uid === null ? 0o700 : 0o750);
  return path.join(dir, "gateway.sock");
}

/** Once the gateway listens on its socket: the sandbox's uid may reach it, and gateway.env tells the agents where it is (jail-init's bridge) and its token. */
export function handGatewayToJail(dirs: SandboxDirs, uid: number | null, token: string) {
  const socket = gatewaySocketOf(dirs, uid);
  if (uid !== null) lchownSync(socket, 0, uid);
  chmodSync(socket, 0o660);
  writeAtomically(
    path.join(path.dirname(socket), "gateway.env"),
    `PORTAL_GATEWAY_URL=http://127.0.0.1:${GATEWAY_PORT}\nPORTAL_GATEWAY_TOKEN=${token}\n`,
    0o640,
    uid,
  );
}

export interface JailSettings {
  network: SandboxNetwork;
  /** Opens the sandbox's model gateway (closing the one of its previous launch); false: it has none. */
  openGateway(sandboxId: string, dirs: SandboxDirs, uid: number | null): Promise<boolean>;
}

/**
 * `limits`: the sandbox's id and what to do when its jail hits a limit (lib/sandboxes/limits.ts);
 * null only for bench/sandbox-limits.ts's baseline, a jail with none.
 */
export function bwrapLauncher(
  sandboxId: string,
  dirs: SandboxDirs,
  uid: number | null,
  jail: JailSettings,
  limits: { sandboxId: string; onHit(hit: LimitHit): void } | null,
): RuntimeLauncher {
  return {
    async launch() {
      const pidFile = path.join(dirs.root, "runtime.pid");
      await stopLeftoverProcess(readPid(pidFile), "bwrap");
      // First: the disk image is mounted at dirs.root before anything is made in it (its mount moves
      // into place in a shell of its own while the agent binaries are installed).
      const preparing = limits ? prepareJailLimits({ sandboxId: limits.sandboxId, root: dirs.root, uid }) : Promise.resolve(NO_LIMITS);
      let jailLimits: JailLimits;
      let child: ChildProcessByStdio<null, null, Readable>;
      try {
        installAgentBinaries(dirs.opt);
        jailLimits = await preparing;
        prepareSandboxDirs(dirs, uid);
        const gateway = await jail.openGateway(sandboxId, dirs, uid);
        const outbound = jail.network === "outbound";
        const bwrap = ["bwrap", ...jailArguments(dirs, outbound ? (uid ?? process.getuid?.() ?? 0) : null, gateway, jailLimits.tmpfsSize())];
        // Root puts the jail in its cgroup (or sets its rlimits) before the drop to the sandbox's uid.
        const [command, ...rest] = jailLimits.wrap(
          outbound
            ? outboundCommand(uid, bwrap)
            : uid === null
              ? bwrap
              : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--inh-caps=-all", "--", ...bwrap],
        );
        // A process group of its own: a terminal's Ctrl+C reaches the portal, which stops its sandboxes in order.
        child = spawn(command!, rest, {
          env: runtimeEnvironment({ home: HOME, dataHome: RUNTIME_DATA, path: "/usr/bin:/bin" }),
          stdio: ["ignore", "ignore", "pipe"],
          detached: true,
        });
      } catch (error) {
        // No jail: the limits' cgroup (once they are prepared) is let go of here, else it stays until the next start.
        (await preparing.catch(() => null))?.abandoned();
        throw error;
      }
      if (limits) jailLimits.watch(child, limits.onHit);
      const socketPath = path.join(dirs.run, "runtime.sock");
      return {
        child,
        url: "http://sandbox",
        token: "",
        fetch: createRuntimeFetch({ socketPath }),
        pidFile,
        processGroup: true,
        healthy: () => {
          lockRunDir(dirs.run, socketPath, uid);
          jailLimits.started();
        },
      };
    },
  };
}

/**
 * `outboundUid`: the jail shares the network namespace pasta made, and runs as this uid inside
 * pasta's user namespace. `gateway`: the sandbox's gateway directory is bound in and bridged.
 */
function jailArguments(dirs: SandboxDirs, outboundUid: number | null, gateway: boolean, tmpfsSize: string[]): string[] {
  const node = process.execPath;
  const outbound = outboundUid !== null;
  const args = [
    "--unshare-all",
    ...(outbound ? ["--share-net", "--uid", String(outboundUid), "--gid", String(outboundUid)] : []),
    "--die-with-parent",
    "--new-session",
    "--ro-bind",
    "/usr",
    "/usr",
    "--symlink",
    "usr/bin",
    "/bin",
    "--symlink",
    "usr/lib",
    "/lib",
    "--symlink",
    "usr/lib64",
    "/lib64",
    "--ro-bind",
    dirs.opt,
    OPT,
    "--bind",
    dirs.workspace,
    WORKSPACE,
    "--bind",
    dirs.home,
    HOME,
    ...tmpfsSize,
    "--tmpfs",
    RUNTIME_DATA,
    "--ro-bind",
    path.join(dirs.opt, "bin"),
    `${RUNTIME_DATA}/sandbox-agent/bin`,
    "--ro-bind-try",
    agentsDir(),
    AGENTS_IN_JAIL,
    "--bind",
    dirs.run,
    RUN,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    ...tmpfsSize,
    "--tmpfs",
    "/dev/shm",
    "--remount-ro",
    "/dev",
    ...tmpfsSize,
    "--tmpfs",
    "/tmp",
    "--chdir",
    WORKSPACE,
  ];
  if (!node.startsWith("/usr/")) args.push("--ro-bind", path.dirname(node), path.dirname(node));
  if (outbound) for (const file of OUTBOUND_ETC) args.push("--ro-bind-try", file, file);
  if (gateway) args.push("--ro-bind", path.join(dirs.root, "gateway"), GATEWAY_DIR);
  // `/` and `/dev` are tmpfs bwrap cannot size: read-only, nothing can fill them.
  args.push("--remount-ro", "/");
  const bridge = gateway ? [`${GATEWAY_DIR}/gateway.sock`, GATEWAY_PORT] : [];
  return [...args, node, `${OPT}/jail-init.mjs`, `${OPT}/sandbox-agent`, `${RUN}/runtime.sock`, PORT_INSIDE, RELAY_SOCKET, ...bridge];
}

/**
 * The runtime binary, the demo agent, the jail's init and the runtime's agent wrappers, where every
 * sandbox's uid can read them and none can write: `opt` is root's, outside every jail's writable tree.
 */
function installAgentBinaries(opt: string) {
  mkdirSync(opt, { recursive: true, mode: 0o755 });
  chmodSync(opt, 0o755);
  // The runtime's agent slots: the demo and every installed agent (lib/agents/runtime-bin.ts).
  writeRuntimeBin({
    binDir: path.join(opt, "bin"),
    agentsDirInJail: AGENTS_IN_JAIL,
    demoAgentCommand: [process.execPath, `${OPT}/demo-agent.mjs`],
    relay: [process.execPath, `${OPT}/agent-relay.mjs`, RELAY_SOCKET],
  });
  const sources: Array<[string, string, number]> = [
    [runtimeBinary(), "sandbox-agent", 0o755],
    [path.join(process.cwd(), "agents", "demo", "dist", "demo-agent.mjs"), "demo-agent.mjs", 0o644],
    [path.join(process.cwd(), "lib", "sandboxes", "jail-init.mjs"), "jail-init.mjs", 0o644],
    [path.join(process.cwd(), "lib", "sandboxes", "agent-relay.mjs"), "agent-relay.mjs", 0o644],
  ];
  for (const [source, name, mode] of sources) {
    // Paths of this host, not of the build: Turbopack need not trace them.
    const target = path.join(/*turbopackIgnore: true*/ opt, name);
    const from = statSync(/*turbopackIgnore: true*/ source);
    const to = existsSync(/*turbopackIgnore: true*/ target) ? statSync(/*turbopackIgnore: true*/ target) : null;
    if (to && to.mtimeMs >= from.mtimeMs && to.size === from.size) continue;
    copyFileSync(source, `${target}.new`);
    chmodSync(`${target}.new`, mode);
    renameSync(`${target}.new`, target);
  }
}

/** Root's own file in root's own directory (never a sandbox's): written whole, then renamed into place. */
function writeAtomically(target: string, content: string, mode: number, group: number | null = null) {
  rmSync(`${target}.new`, { force: true });
  writeFileSync(`${target}.new`, content, { mode, flag: "wx" });
  if (group !== null) lchownSync(`${target}.new`, 0, group);
  chmodSync(`${target}.new`, mode);
  renameSync(`${target}.new`, target);
}

/**
 * The sandbox's own directories, made and handed to its uid. They are direct children of its root,
 * which only root can write, so none of them can have been swapped for a link; their contents are
 * never touched.
 */
function prepareSandboxDirs(dirs: SandboxDirs, uid: number | null) {
  mkdirSync(dirs.root, { recursive: true, mode: 0o711 });
  for (const dir of [dirs.workspace, dirs.home, dirs.run]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!lstatSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
    if (uid !== null) lchownSync(dir, uid, uid);
    chmodSync(dir, 0o700);
  }
}

/**
 * Once the runtime listens, the socket's directory becomes root's (the sandbox's group may still
 * enter it): no process of the jail can then replace the socket by a link to another socket on the
 * host, which the portal would follow. The next launch hands the directory back for a new socket.
 */
function lockRunDir(run: string, socketPath: string, uid: number | null) {
  if (uid === null) return;
  lchownSync(run, 0, uid);
  chmodSync(run, 0o750);
  if (!lstatSync(socketPath).isSocket()) throw new Error(`the runtime's socket ${socketPath} is not a socket`);
}
