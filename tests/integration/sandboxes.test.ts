import { execFileSync } from "node:child_process";
import { lchownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allEvents,
  killSessionRuntime,
  openPortal,
  removeDir,
  sessionRuntime,
  startPortal,
  tokenClient,
  waitFor,
  waitForIdle,
  type Api,
  type PortalFixture,
} from "./harness";
import { createDemoSession, createMember, createTeam, expectProblem, portalEvents } from "./session-api-helpers";

// Sandboxes seen from the agent's side (the demo agent's /whoami, /probe, /write, /cat), in real
// bubblewrap jails: isolation, shared and separate workspaces, a killed or stopped sandbox that
// comes back with its files and its conversation, the files API and its team scoping.

// The provider contract: the same suite for every provider. Here it runs over bwrap and local; a
// hosted provider of the SDK runs it with PORTAL_TEST_SANDBOX_PROVIDERS=e2b (or daytona, modal,
// docker, vercel), its client package installed, and its PORTAL_SANDBOX_OPTIONS and credentials in
// the environment, which the portals of these tests inherit.
const PROVIDERS = (process.env.PORTAL_TEST_SANDBOX_PROVIDERS ?? "bwrap,local").split(",").map((name) => name.trim());
const HOSTED = ["e2b", "daytona", "modal", "docker", "vercel"];

let fixture: PortalFixture;
let api: Api;
let teamId: string;

function useProvider(provider: string, env: Record<string, string> = {}) {
  beforeAll(async () => {
    fixture = await openPortal({ env: { PORTAL_SANDBOX: provider, ...env } });
    ({ api, teamId } = fixture);
  });
  afterAll(async () => {
    await fixture?.close();
  });
}

async function say(sessionId: string, text: string, client = api): Promise<string> {
  const before = (await allEvents(client, sessionId)).length;
  await client.post(`/api/sessions/${sessionId}/prompt`, { text });
  await waitForIdle(client, sessionId, 30_000);
  return (await allEvents(client, sessionId))
    .slice(before)
    .filter((e) => e.payload?.params?.update?.sessionUpdate === "agent_message_chunk")
    .map((e) => e.payload.params.update.content.text)
    .join("");
}

function workspaceOnHost(sandboxId: string) {
  return path.join(fixture.portal.dataDir, "sandboxes", sandboxId, "workspace");
}

describe("a bwrap sandbox", () => {
  useProvider("bwrap");

  it("runs its agent as an unprivileged uid of its own that sees its workspace and nothing of the portal", async () => {
    const a = await createDemoSession(api, teamId);
    const b = await createDemoSession(api, teamId);
    expect(a.sandboxId).not.toBe(b.sandboxId);
    const whoami = await say(a.id, "/whoami");
    const uid = Number(/uid=(\d+)/.exec(whoami)?.[1]);
    expect(uid).toBeGreaterThan(0);
    expect(uid).not.toBe(process.getuid?.());
    expect(whoami).toContain("cwd=/workspace");
    expect(await say(b.id, "/whoami")).not.toContain(`uid=${uid} `);

    for (const hidden of [
      fixture.portal.dataDir,
      path.join(fixture.portal.dataDir, "nextauth-secret"),
      `/proc/${fixture.portal.process.pid}/environ`,
      workspaceOnHost(b.sandboxId),
      "/root",
      "/etc/shadow",
    ]) {
      expect(await say(a.id, `/probe ${hidden}`)).toMatch(/absent/);
    }
    expect(await say(a.id, "/probe /workspace")).toContain("exists, readable");
    // No agent credential is configured here, so by default the jail has no network at all.
    expect(await say(a.id, `/connect ${upstreamNameserver()} 53`)).toContain("unreachable (ENETUNREACH)");
    expect(await say(a.id, "/write notes.txt written in a")).toContain("wrote");
    expect(await say(a.id, "/cat notes.txt")).toContain("written in a");

    // Another session in the same sandbox sees the file; a session of another sandbox does not.
    const sibling = await createDemoSession(api, teamId, { sandboxId: a.sandboxId });
    expect(sibling.sandboxId).toBe(a.sandboxId);
    expect(await say(sibling.id, "/cat notes.txt")).toContain("written in a");
    expect(await say(b.id, "/cat notes.txt")).toContain("no such file");

    // No process of the portal's tree carries a token on its command line.
    const inTree = processTree(fixture.portal.process.pid!);
    expect(inTree.filter((p) => p.args.includes("sandbox-agent server")).length).toBeGreaterThanOrEqual(2);
    for (const p of inTree) expect(p.args).not.toMatch(/--token/);
  });
});

// The portal runs as root; an agent runs any command it likes as its sandbox's uid in its home,
// workspace and run directory. Every path the portal has touched there is made a link to a host file
// or directory (as the agent would have, and as it still can where the jail lets it), the sandbox is
// stopped and started again, and nothing on the host may change.
describe.runIf(process.getuid?.() === 0)("a bwrap sandbox whose agent plants symlinks for root to follow", () => {
  useProvider("bwrap");

  it("leaves every host file alone when it starts again, and its agent cannot write its own wrappers", async () => {
    const canaryDir = mkdtempSync(path.join(os.tmpdir(), "portal-canary-"));
    const canaryFile = path.join(canaryDir, "secret");
    writeFileSync(canaryFile, "root's own secret\n", { mode: 0o600 });
    const canarySubdir = path.join(canaryDir, "dir");
    mkdirSync(canarySubdir, { mode: 0o700 });
    const canaryState = () => {
      const file = statSync(canaryFile);
      const dir = statSync(canarySubdir);
      return {
        content: readFileSync(canaryFile, "utf8"),
        file: [file.uid, file.gid, file.mode, file.mtimeMs],
        dir: [dir.uid, dir.gid, dir.mode, readdirSync(canarySubdir).join(",")],
      };
    };
    const before = canaryState();

    // Inside the jail the wrappers are read-only.
    const session = await createDemoSession(api, teamId);
    const uid = Number(/uid=(\d+)/.exec(await say(session.id, "/whoami"))?.[1]);
    expect(await say(session.id, "/write /var/lib/runtime/sandbox-agent/bin/agent_processes/mock-acp #!/bin/sh")).toMatch(/failed \((EROFS|EACCES|EPERM)\)/);

    // Three sandboxes, each with links at another depth of what the portal once wrote.
    const plants: Array<(root: string) => void> = [
      (root) => {
        const processes = path.join(root, "home", "sandbox-agent", "bin", "agent_processes");
        mkdirSync(processes, { recursive: true });
        plant(canaryFile, path.join(processes, "mock-acp"));
        plant(canaryFile, path.join(root, "workspace", "notes.txt"));
        plant(canaryFile, path.join(root, "run", "runtime.sock"));
      },
      (root) => {
        mkdirSync(path.join(root, "home", "sandbox-agent"), { recursive: true });
        moveAside(path.join(root, "home", "sandbox-agent", "bin"));
        plant(canarySubdir, path.join(root, "home", "sandbox-agent", "bin"));
      },
      (root) => {
        moveAside(path.join(root, "home", "sandbox-agent"));
        plant(canarySubdir, path.join(root, "home", "sandbox-agent"));
      },
    ];
    const sessions = [session, await createDemoSession(api, teamId), await createDemoSession(api, teamId)];
    for (const [index, plantAt] of plants.entries()) {
      const { sandboxId } = sessions[index]!;
      await say(sessions[index]!.id, "/whoami");
      expect((await api.request("POST", `/api/sandboxes/${sandboxId}/stop`)).status).toBe(202);
      await waitFor(
        () => api.get(`/api/sandboxes/${sandboxId}`),
        (s) => s.status === "stopped",
        15_000,
      );
      const root = path.dirname(workspaceOnHost(sandboxId));
      plantAt(root);
      // The next prompt starts the sandbox again: the host is as it was, and the sandbox answers.
      const answer = say(sessions[index]!.id, "/whoami");
      answer.catch(() => undefined); // awaited below, once the host has been checked
      await waitFor(
        () => api.get(`/api/sandboxes/${sandboxId}`),
        (s) => s.status === "running",
        15_000,
      );
      expect(canaryState()).toEqual(before);
      expect(await answer).toMatch(/uid=\d+/);
    }

    function plant(target: string, link: string) {
      rmSync(link, { force: true });
      symlinkSync(target, link);
      lchownSync(link, uid, uid);
    }
    function moveAside(dir: string) {
      try {
        lstatSync(dir);
      } catch {
        return;
      }
      renameSync(dir, `${dir}.old`);
    }
  });

  it("serves no file through the Files API by way of a link that leads out of the workspace", async () => {
    const session = await createDemoSession(api, teamId);
    await say(session.id, "/write notes.txt inside");
    const workspace = workspaceOnHost(session.sandboxId);
    const uid = Number(/uid=(\d+)/.exec(await say(session.id, "/whoami"))?.[1]);
    for (const [link, target] of [
      ["l_env", "/proc/1/environ"],
      ["up", ".."],
      ["etc", "/etc"],
      ["inner", "notes.txt"],
    ] as const) {
      symlinkSync(target, path.join(workspace, link));
      lchownSync(path.join(workspace, link), uid, uid);
    }
    const file = (name: string) => api.request("GET", `/api/sandboxes/${session.sandboxId}/files/content?path=${encodeURIComponent(name)}`);
    for (const name of ["l_env", "up/workspace/notes.txt", "etc/passwd", "etc"]) expect((await file(name)).status, name).toBe(404);
    const inner = await file("inner");
    expect(inner.status).toBe(200);
    expect(JSON.stringify(inner.body)).toContain("inside");
    const listed = (await api.get(`/api/sandboxes/${session.sandboxId}/files`)).items.map((entry: { name: string }) => entry.name);
    expect(listed).toContain("inner");
    for (const name of ["l_env", "up", "etc"]) expect(listed).not.toContain(name);
  });
});

describe("a bwrap sandbox whose runtime dies under a running turn", () => {
  useProvider("bwrap");

  it("ends the turn interrupted within seconds, health says so, and other sandboxes keep working", async () => {
    const session = await createDemoSession(api, teamId);
    const other = await createDemoSession(api, teamId);
    await say(session.id, "the first words: copper meadow");
    const before = (await api.request("GET", "/api/health")).body;
    expect(before).toMatchObject({ status: "ok", runtimeLosses: { recovering: 0, recent: 0, lastAt: null } });

    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/sleep 120000" });
    await waitFor(
      () => api.get(`/api/sessions/${session.id}`),
      (s) => s.status === "running",
      15_000,
    );
    const { pid } = await sessionRuntime(api, session.id);
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    const ended = await waitFor(
      () => api.get(`/api/sessions/${session.id}`),
      (s) => s.status === "restorable",
      15_000,
      100,
    );
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(ended.lastStopReason).toBe("interrupted");
    const after = (await api.request("GET", "/api/health")).body;
    expect(after.runtimeLosses.recent).toBe(1);
    expect(Date.parse(after.runtimeLosses.lastAt)).toBeGreaterThanOrEqual(killedAt - 1_000);
    // Health says degraded only while the lost runtime has not come back; then ok, the loss still counted.
    const recovered = await waitFor(
      () => api.request("GET", "/api/health"),
      (r) => r.body.runtimeLosses.recovering === 0,
      15_000,
      100,
    );
    expect(recovered.body).toMatchObject({ status: "ok", runtimeLosses: { recent: 1 } });
    expect(JSON.stringify(recovered.body)).not.toMatch(new RegExp(`${session.sandboxId}|${pid}`));

    expect(await say(other.id, "/whoami")).toContain("cwd=/workspace");
    expect(await say(session.id, "/recall")).toContain("copper meadow");
  });
});

describe.each(PROVIDERS)("the %s provider", (provider) => {
  useProvider(provider);

  it("comes back with its files and its conversation after its process is killed, and after a stop", async () => {
    const session = await createDemoSession(api, teamId);
    await say(session.id, "the first words: violet harbour");
    await say(session.id, "/write kept.txt still here");
    let restores = 0;
    // A hosted provider's runtime is no process of ours to kill; its stop (below) and the portal restart stand for it.
    if (!HOSTED.includes(provider)) {
      await killSessionRuntime(api, session.id);
      await waitFor(
        () => api.get(`/api/sessions/${session.id}`),
        (s) => s.status === "restorable",
        15_000,
      );
      expect(await say(session.id, "/cat kept.txt")).toContain("still here");
      expect(await say(session.id, "/recall")).toContain("violet harbour");
      expect(portalEvents(await allEvents(api, session.id), "restored")).toHaveLength(++restores);
    }
    if (provider === "local") return; // one shared runtime: there is no sandbox of its own to stop

    const stopped = await api.request("POST", `/api/sandboxes/${session.sandboxId}/stop`);
    expect(stopped.status).toBe(202);
    await waitFor(
      () => api.get(`/api/sandboxes/${session.sandboxId}`),
      (s) => s.status === "stopped",
      15_000,
    );
    expect((await api.get(`/api/sessions/${session.id}`)).status).toBe("restorable");
    expect(await say(session.id, "/cat kept.txt")).toContain("still here");
    expect(await say(session.id, "/recall")).toContain("violet harbour");
    expect(portalEvents(await allEvents(api, session.id), "restored")).toHaveLength(++restores);
    expect((await api.get(`/api/sandboxes/${session.sandboxId}`)).status).toBe("running");
  });

  it("shows its files to its team through the files API and to nobody else", async () => {
    const session = await createDemoSession(api, teamId);
    await say(session.id, "/write docs/readme.md # hello from the sandbox");
    const sandbox = await api.get(`/api/sandboxes/${session.sandboxId}`);
    expect(sandbox).toMatchObject({ id: session.sandboxId, teamId, provider, status: "running", sessionIds: [session.id] });
    expect((await api.get(`/api/sandboxes?teamId=${teamId}`)).items.map((s: { id: string }) => s.id)).toContain(session.sandboxId);

    const root = await api.get(`/api/sandboxes/${session.sandboxId}/files`);
    // A hosted sandbox's workspace is its home directory, which may hold files of its own.
    expect(root.items).toContainEqual(expect.objectContaining({ name: "docs", path: "docs", type: "dir" }));
    const docs = await api.get(`/api/sandboxes/${session.sandboxId}/files?path=docs`);
    expect(docs.items).toEqual([expect.objectContaining({ name: "readme.md", path: "docs/readme.md", type: "file", size: "# hello from the sandbox".length })]);
    const content = await api.request("GET", `/api/sandboxes/${session.sandboxId}/files/content?path=docs/readme.md`);
    expect(content.status).toBe(200);
    expect(content.body).toBe("# hello from the sandbox");
    for (const outside of ["..", "../..", "/etc", "/etc/passwd", "docs/../../x"]) {
      expectProblem(await api.request("GET", `/api/sandboxes/${session.sandboxId}/files/content?path=${encodeURIComponent(outside)}`), 404);
    }

    const otherTeam = await createTeam(fixture.db.url, "Elsewhere");
    const stranger = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId: otherTeam, role: "admin" });
    for (const url of [
      `/api/sandboxes/${session.sandboxId}`,
      `/api/sandboxes/${session.sandboxId}/files`,
      `/api/sandboxes/${session.sandboxId}/files/content?path=docs/readme.md`,
    ]) {
      expectProblem(await stranger.request("GET", url), 404);
    }
    expectProblem(await stranger.request("POST", `/api/sandboxes/${session.sandboxId}/stop`), 404);
    expectProblem(await stranger.request("POST", "/api/sessions", { teamId: otherTeam, agent: "demo", sandboxId: session.sandboxId }), 422);
    const viewer = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId, role: "viewer" });
    expectProblem(await viewer.request("POST", `/api/sandboxes/${session.sandboxId}/stop`), 403);
    expect((await viewer.get(`/api/sandboxes/${session.sandboxId}/files?path=docs`)).items).toHaveLength(1);

    // The files its tool calls changed, for the Files panel's marks: this session's, not its sibling's.
    await say(session.id, "/write docs/readme.md # hello from the sandbox");
    expect(await say(session.id, "/write docs/readme.md/inside nothing")).toContain("failed"); // a failed write changed nothing
    expect((await api.get(`/api/sessions/${session.id}/changed-files`)).items).toEqual([{ path: "docs/readme.md" }]);
    const sibling = await createDemoSession(api, teamId, { sandboxId: session.sandboxId });
    expect((await api.get(`/api/sessions/${sibling.id}/changed-files`)).items).toEqual([]);
    expectProblem(await stranger.request("GET", `/api/sessions/${session.id}/changed-files`), 404);
    expect((await viewer.get(`/api/sessions/${session.id}/changed-files`)).items).toHaveLength(1);
    expect((await api.request("DELETE", `/api/sessions/${sibling.id}`)).status).toBe(204);

    // Destroying its last session destroys the sandbox.
    expect((await api.request("DELETE", `/api/sessions/${session.id}`)).status).toBe(204);
    expect((await api.get(`/api/sandboxes/${session.sandboxId}`)).status).toBe("destroyed");
  });

  // Last of the suite: it leaves the fixture on the restarted portal.
  it("comes back with its files and its conversation after the portal is killed and started again", async () => {
    const session = await createDemoSession(api, teamId);
    await say(session.id, "the first words: amber lighthouse");
    expect(await say(session.id, "/write restart/kept.txt across a portal restart")).toContain("wrote");
    await fixture.portal.kill();
    fixture.portal = await startPortal({ databaseUrl: fixture.db.url, dataDir: fixture.portal.dataDir, env: { PORTAL_SANDBOX: provider } });
    api = fixture.api = tokenClient(fixture.portal.baseUrl, api.token);
    await waitFor(
      () => api.get(`/api/sessions/${session.id}`),
      (s) => s.status === "restorable",
      30_000,
    );
    expect(await say(session.id, "/cat restart/kept.txt")).toBe("across a portal restart");
    expect(await say(session.id, "/recall")).toContain("amber lighthouse");
    expect(portalEvents(await allEvents(api, session.id), "restored")).toHaveLength(1);
    expect((await api.get(`/api/sessions/${session.id}/changed-files`)).items).toEqual([{ path: "restart/kept.txt" }]);
  });
});

describe("an outbound bwrap sandbox (PORTAL_SANDBOX_NETWORK=outbound)", () => {
  useProvider("bwrap", { PORTAL_SANDBOX_NETWORK: "outbound" });

  it("reaches beyond the host but none of the host's own services", async () => {
    const session = await createDemoSession(api, teamId);
    // What lies beyond the host: the DNS server it uses (a real agent resolves its API's name there).
    expect(await say(session.id, `/connect ${upstreamNameserver()} 53`)).toContain(": open");
    // The host's loopback (PostgreSQL, the portal) from the jail's loopback, through the gateway
    // address (not mapped to the host) and through every address of the host (the jail's own there).
    const gateway = gatewayOf(await say(session.id, "/cat /proc/net/route"));
    const portalPort = new URL(fixture.portal.baseUrl).port;
    for (const host of ["127.0.0.1", gateway, ...hostAddresses()]) {
      for (const port of ["5432", portalPort]) expect(await say(session.id, `/connect ${host} ${port}`)).not.toContain(": open");
    }
    // The jail is the same jail otherwise: its own unprivileged uid, nothing of the portal.
    const uid = Number(/uid=(\d+)/.exec(await say(session.id, "/whoami"))?.[1]);
    expect(uid).toBeGreaterThan(0);
    expect(uid).not.toBe(process.getuid?.());
    for (const hidden of [fixture.portal.dataDir, `/proc/${fixture.portal.process.pid}/environ`, "/root", "/etc/shadow"]) {
      expect(await say(session.id, `/probe ${hidden}`)).toMatch(/absent/);
    }
    expect(await say(session.id, "/write net.txt written")).toContain("wrote");
  });

  // Last of the suite: it leaves the fixture on a restarted portal.
  it("dies with a portal killed -9 (pasta and its jail), and comes back with its files", async () => {
    const session = await createDemoSession(api, teamId);
    expect(await say(session.id, "/write kept.txt outlives the portal, not its jail")).toContain("wrote");
    const jailed = processTree(fixture.portal.process.pid!).filter((p) => /^(pasta|bwrap|\S*sandbox-agent) /.test(p.args));
    expect(jailed.filter((p) => p.args.startsWith("pasta ")).length).toBeGreaterThanOrEqual(2); // the catalog's and this sandbox's
    await fixture.portal.kill();
    await waitFor(
      async () => jailed.filter((p) => processAlive(p.pid)),
      (alive) => alive.length === 0,
      10_000,
      100,
    );

    fixture.portal = await startPortal({
      databaseUrl: fixture.db.url,
      dataDir: fixture.portal.dataDir,
      env: { PORTAL_SANDBOX: "bwrap", PORTAL_SANDBOX_NETWORK: "outbound" },
    });
    api = fixture.api = tokenClient(fixture.portal.baseUrl, api.token);
    await waitFor(
      () => api.get(`/api/sessions/${session.id}`),
      (s) => s.status === "restorable",
      30_000,
    );
    expect(await say(session.id, "/cat kept.txt")).toBe("outlives the portal, not its jail");
    expect(await say(session.id, `/connect ${upstreamNameserver()} 53`)).toContain(": open");
  });
});

/** The processes under pid (itself excluded), from ps. */
function processTree(root: number) {
  const processes = execFileSync("ps", ["-e", "-o", "pid=,ppid=,args="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map(([, pid, ppid, args]) => ({ pid: Number(pid), ppid: Number(ppid), args: args! }));
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of processes) if (tree.has(p.ppid) && !tree.has(p.pid)) grew = tree.add(p.pid).size > 0;
  }
  return processes.filter((p) => p.pid !== root && tree.has(p.pid));
}

function processAlive(pid: number) {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

/** The first nameserver of the host that is not on its loopback. */
function upstreamNameserver(): string {
  const servers = [...readFileSync("/etc/resolv.conf", "utf8").matchAll(/^nameserver\s+(\S+)/gm)].map((match) => match[1]!);
  const upstream = servers.find((server) => !server.startsWith("127.") && server !== "::1" && !server.includes(":"));
  if (!upstream) throw new Error(`no upstream IPv4 nameserver in /etc/resolv.conf: ${servers.join(", ")}`);
  return upstream;
}

/** The default gateway in /proc/net/route (hex, little-endian) as a dotted address. */
function gatewayOf(routes: string): string {
  const hex = /^\S+\s+00000000\s+([0-9A-F]{8})/m.exec(routes)?.[1];
  if (!hex) throw new Error(`the jail has no default route:\n${routes}`);
  return [3, 2, 1, 0].map((byte) => parseInt(hex.slice(byte * 2, byte * 2 + 2), 16)).join(".");
}

function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((addresses) =>
    (addresses ?? []).filter((a) => a.family === "IPv4" && !a.internal).map((a) => a.address),
  );
}

describe("a hosted provider whose client package is not installed", () => {
  it.each(HOSTED.filter((provider) => !PROVIDERS.includes(provider)))(
    "PORTAL_SANDBOX=%s stops the portal at start with one line naming the package",
    async (provider) => {
      const started = Date.now();
      const dataDir = mkdtempSync(path.join(os.tmpdir(), "portal-hosted-"));
      const failure = await startPortal({ dataDir, env: { PORTAL_SANDBOX: provider } })
        .then(
          async (portal) => {
            await portal.stop();
            return "it started";
          },
          (error: Error) => error.message,
        )
        .finally(() => removeDir(dataDir));
      // The portal's log is JSON lines (lib/log.ts): the fatal one's message names the package.
      const line = failure
        .split("\n")
        .flatMap((text) => {
          try {
            const entry = JSON.parse(text) as { level?: string; msg?: string };
            return entry.level === "fatal" && typeof entry.msg === "string" ? [entry.msg] : [];
          } catch {
            return [];
          }
        })
        .find((message) => message.includes(`PORTAL_SANDBOX=${provider} needs`));
      expect(line).toMatch(/needs the npm packages? [@\w/. -]+: run `npm install [@\w/. -]+`$/);
      expect(Date.now() - started).toBeLessThan(30_000);
    },
  );
});

describe("an idle bwrap sandbox", () => {
  let idle: PortalFixture;
  beforeAll(async () => {
    // Three seconds of idleness stop a sandbox (PORTAL_SANDBOX_IDLE_MINUTES takes fractions).
    idle = await openPortal({ env: { PORTAL_SANDBOX: "bwrap", PORTAL_SANDBOX_IDLE_MINUTES: "0.05" } });
  });
  afterAll(async () => {
    await idle?.close();
  });

  it("stops after the idle time and comes back, restored with its files, on the next prompt", async () => {
    const client = idle.api;
    const session = await createDemoSession(client, idle.teamId);
    expect(await say(session.id, "/write idle.txt kept while stopped", client)).toContain("wrote");
    await waitFor(
      () => client.get(`/api/sandboxes/${session.sandboxId}`),
      (s) => s.status === "stopped",
      30_000,
      250,
    );
    expect((await client.get(`/api/sessions/${session.id}`)).status).toBe("restorable");
    expect(await say(session.id, "/cat idle.txt", client)).toContain("kept while stopped");
    expect(portalEvents(await allEvents(client, session.id), "restored")).toHaveLength(1);
  });
});
