import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { sandboxesRoot } from "@/lib/sandboxes/layout";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allEvents, openPortal, sessionRuntime, waitFor, waitForIdle, type Api, type PortalFixture } from "./harness";
import { createDemoSession, createMember, createTeam, portalEvents } from "./session-api-helpers";

// Limits per sandbox (lib/sandboxes/limits.ts), as root in real bubblewrap jails: a fork bomb, a
// 4 GiB allocation, a disk fill and a /tmp fill in one team's sandbox each end that turn with the
// limit named, the session comes back on its next prompt, and another team's session keeps
// answering meanwhile. The limits are small (this machine is shared), set through the environment.
// Two portals on one host (two databases) give their sandboxes distinct uids.

const LIMITS = { PORTAL_SANDBOX_MEMORY: "384m", PORTAL_SANDBOX_PIDS: "128", PORTAL_SANDBOX_DISK: "64m", PORTAL_SANDBOX_TMP: "32m", PORTAL_SANDBOX_CPUS: "1" };
const asRoot = process.getuid?.() === 0;

let fixture: PortalFixture;
let api: Api;
let bystanderApi: Api;

async function say(client: Api, sessionId: string, text: string): Promise<string> {
  const before = (await allEvents(client, sessionId)).length;
  await client.post(`/api/sessions/${sessionId}/prompt`, { text });
  await waitForIdle(client, sessionId, 30_000);
  return (await allEvents(client, sessionId))
    .slice(before)
    .filter((e) => e.payload?.params?.update?.sessionUpdate === "agent_message_chunk")
    .map((e) => e.payload.params.update.content.text)
    .join("");
}

async function roundTrip(client: Api, sessionId: string): Promise<number> {
  const startedAt = Date.now();
  expect(await say(client, sessionId, "still here")).toContain("here");
  return Date.now() - startedAt;
}

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The cgroup a process is in, per hierarchy ("" for v2), and a file of it. */
function cgroupFile(pid: number, controller: string, file: string): string | null {
  for (const line of readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n")) {
    const [, controllers = "", cgroupPath = ""] = line.split(":");
    if (controllers.split(",").includes(controller)) return readFileSync(`/sys/fs/cgroup/${controller}${cgroupPath}/${file}`, "utf8").trim();
  }
  return null;
}

describe.runIf(asRoot)("a sandbox that hits its limits", () => {
  let offender: { id: string; sandboxId: string };
  let bystander: { id: string; sandboxId: string };

  beforeAll(async () => {
    fixture = await openPortal({ env: LIMITS });
    api = fixture.api;
    const otherTeam = await createTeam(fixture.db.url, "bystanders");
    bystanderApi = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId: otherTeam, role: "member" });
    offender = await createDemoSession(api, fixture.teamId);
    bystander = await createDemoSession(bystanderApi, otherTeam);
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it("runs each jail in a cgroup of its own with the configured limits, as a uid of its own", async () => {
    const offenderUid = /uid=(\d+)/.exec(await say(api, offender.id, "/whoami"))?.[1];
    const bystanderUid = /uid=(\d+)/.exec(await say(bystanderApi, bystander.id, "/whoami"))?.[1];
    expect(offenderUid).toBeDefined();
    expect(offenderUid).not.toBe(bystanderUid);
    const { pid } = await sessionRuntime(api, offender.id);
    // Which cgroups this host gives the portal decides the branch (lib/sandboxes/limits.ts says so at
    // start): v2 when the portal's cgroup is delegated with memory and pids, else v1's hierarchies. A
    // hybrid host (v1 controllers, an empty v2 beside them) takes the v1 branch; the other is not run.
    const inV1 = readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(":memory:");
    console.log(`[limits] the jail's cgroups: ${inV1 ? "v1 memory/pids/cpu hierarchies (the v2 branch is not exercised on this host)" : "cgroup v2"}`);
    if (inV1) {
      expect(readFileSync(`/proc/${pid}/cgroup`, "utf8")).toMatch(/:memory:.*\/agent-portal\/sandbox-[0-9a-f]{16}\n/);
      expect(cgroupFile(pid, "memory", "memory.limit_in_bytes")).toBe(String(384 * 1024 ** 2));
      // Swap off: memory + swap is pinned to memory where the kernel accounts swap, else swappiness 0.
      const memsw = (() => {
        try {
          return cgroupFile(pid, "memory", "memory.memsw.limit_in_bytes");
        } catch {
          return null;
        }
      })();
      if (memsw !== null) expect(memsw).toBe(String(384 * 1024 ** 2));
      else expect(cgroupFile(pid, "memory", "memory.swappiness")).toBe("0");
      expect(cgroupFile(pid, "pids", "pids.max")).toBe("128");
      // One CPU: a quota of one period.
      expect(cgroupFile(pid, "cpu", "cpu.cfs_quota_us")).toBe(cgroupFile(pid, "cpu", "cpu.cfs_period_us"));
    } else {
      expect(readFileSync(`/proc/${pid}/cgroup`, "utf8")).toMatch(/^0::.*\/agent-portal\/sandbox-[0-9a-f]{16}$/m);
      expect(cgroupFile(pid, "", "memory.max")).toBe(String(384 * 1024 ** 2));
      expect(cgroupFile(pid, "", "pids.max")).toBe("128");
      expect(cgroupFile(pid, "", "cpu.max")).toBe("100000 100000");
    }
    // The other team's jail is in a cgroup of its own.
    const overview = await api.get("/api/admin/runtime");
    const other = (overview.sandboxes as Array<{ sandboxId: string; pid: number }>).find((sandbox) => sandbox.sandboxId === bystander.sandboxId);
    expect(other?.pid).toBeGreaterThan(0);
    expect(readFileSync(`/proc/${other!.pid}/cgroup`, "utf8")).toMatch(/agent-portal\/sandbox-/);
    expect(readFileSync(`/proc/${other!.pid}/cgroup`, "utf8")).not.toBe(readFileSync(`/proc/${pid}/cgroup`, "utf8"));
  });

  it("shares the CPU by team: a team's running sandboxes split one sandbox's weight", async () => {
    const inV1 = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(":cpu:");
    // The weight of a sandbox's cgroup, found through its runtime's pid (the admin sees every team's).
    const weightOf = async (sandboxId: string) => {
      const overview = await api.get("/api/admin/runtime");
      const { pid } = (overview.sandboxes as Array<{ sandboxId: string; pid: number }>).find((sandbox) => sandbox.sandboxId === sandboxId)!;
      return Number(inV1(pid) ? cgroupFile(pid, "cpu", "cpu.shares") : cgroupFile(pid, "", "cpu.weight"));
    };
    const full = inV1((await sessionRuntime(api, offender.id)).pid) ? 1024 : 100;
    // A second sandbox of the offender's team: the team's two split one weight, the bystanders keep theirs.
    const second = await createDemoSession(api, fixture.teamId);
    expect(await say(api, second.id, "/whoami")).toMatch(/uid=\d+/);
    await say(api, offender.id, "still here");
    await say(bystanderApi, bystander.id, "still here");
    expect(second.sandboxId).not.toBe(offender.sandboxId);
    expect(
      await waitFor(
        async () => [await weightOf(offender.sandboxId), await weightOf(second.sandboxId)],
        ([a, b]) => a === full / 2 && b === full / 2,
        10_000,
      ),
    ).toEqual([full / 2, full / 2]);
    expect(await weightOf(bystander.sandboxId)).toBe(full);
    // One of them stops: the other has the team's whole weight again.
    expect((await api.request("POST", `/api/sandboxes/${second.sandboxId}/stop`)).status).toBe(202);
    expect(
      await waitFor(
        () => weightOf(offender.sandboxId),
        (weight) => weight === full,
        10_000,
      ),
    ).toBe(full);
  });

  it("makes and mounts the next new sandbox's disk ahead, where no jail reaches it", async () => {
    const root = sandboxesRoot(fixture.portal.dataDir);
    const bytes = 64 * 1024 ** 2;
    // The portal's own spare: its image named by its pid, mounted in its staging directory.
    const spareName = new RegExp(`^\\.spare-disk-${bytes}\\.img\\.(\\d+)$`);
    const spareMounted = (): { image: string; mountPoint: string } | null => {
      const pid = readdirSync(root)
        .map((name) => spareName.exec(name)?.[1])
        .find(Boolean);
      if (!pid) return null;
      const mountPoint = path.join(root, `.spare-disks.${pid}`, String(bytes));
      return readFileSync("/proc/self/mountinfo", "utf8").includes(` ${mountPoint} `)
        ? { image: path.join(root, `.spare-disk-${bytes}.img.${pid}`), mountPoint }
        : null;
    };
    const spare = await waitFor(
      async () => spareMounted(),
      (found) => found !== null,
      30_000,
    );
    const ready = statSync(spare!.image);
    expect(ready.mode & 0o777).toBe(0o600);
    expect(ready.uid).toBe(0);
    expect(ready.size).toBe(bytes);
    const staging = statSync(path.dirname(spare!.mountPoint));
    expect(staging.mode & 0o777).toBe(0o700);
    expect(staging.uid).toBe(0);
    // The next sandbox to start (the pool's spare jail, started ahead of the session that claims one)
    // takes exactly this image, already mounted: no mkfs and no mount on its start.
    const team = await createTeam(fixture.db.url, "newcomers");
    const newcomer = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId: team, role: "member" });
    await say(newcomer, (await createDemoSession(newcomer, team)).id, "hello");
    const taken = await waitFor(
      async () => readdirSync(root).filter((name) => /^[0-9a-f-]{36}\.img$/.test(name) && statSync(path.join(root, name)).ino === ready.ino),
      (names) => names.length === 1,
      30_000,
    );
    expect(taken).toHaveLength(1);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).toContain(` ${path.join(root, taken[0]!.replace(/\.img$/, ""))} `);
  });

  it.each([
    ["a fork bomb", "/forkbomb", "pids", "too many processes: 128"],
    ["a 4 GiB allocation", "/alloc 4096", "memory", "out of memory: 384 MiB"],
    ["a disk fill", "/fill hog.bin 200", "disk", "disk full: 64 MiB"],
    ["a /tmp fill", "/fill /tmp/hog.bin 100", "tmp", "/tmp full: 32 MiB"],
  ])("%s ends the turn with the limit named while another team's session keeps answering", async (_name, prompt, limit, message) => {
    // The bystander's usual round trip, measured now, on this machine as loaded as it is.
    const usual: number[] = [];
    for (let i = 0; i < 5; i++) usual.push(await roundTrip(bystanderApi, bystander.id));

    const before = (await allEvents(api, offender.id)).length;
    await api.post(`/api/sessions/${offender.id}/prompt`, { text: prompt });
    let hit = false;
    const during: number[] = [];
    const hitSeen = waitFor(
      () => allEvents(api, offender.id),
      (events) => portalEvents(events.slice(before), "limit").length > 0,
      90_000,
      200,
    ).finally(() => (hit = true));
    while (!hit || during.length < 3) during.push(await roundTrip(bystanderApi, bystander.id));
    const events = (await hitSeen).slice(before);

    expect(portalEvents(events, "limit")).toEqual([{ type: "limit", limit, detail: message }]);
    const session = await waitFor(
      () => api.get(`/api/sessions/${offender.id}`),
      (s) => s.status === "restorable",
      15_000,
    );
    expect(session.currentTurnId ?? null).toBeNull();
    expect(portalEvents((await allEvents(api, offender.id)).slice(before), "turn_ended")).toHaveLength(1);
    // Nobody else's turn was slowed past what this machine does anyway (its usual worst, with room for a shared CPU).
    console.log(`[limits] ${prompt}: bystander round trips usual ${usual.join("/")} ms, during ${during.join("/")} ms`);
    expect(Math.max(...during)).toBeLessThan(Math.max(3 * Math.max(...usual), median(usual) + 3_000));

    // The session comes back on its next prompt, in the same sandbox, with its files.
    expect(await say(api, offender.id, "/whoami")).toContain("cwd=/workspace");
    expect((await api.get(`/api/sessions/${offender.id}`)).sandboxId).toBe(offender.sandboxId);
  });
});

describe.runIf(asRoot)("two portals on one host", () => {
  it("give their sandboxes distinct uids, though each has its own database and sequence", async () => {
    const first = await openPortal();
    try {
      const second = await openPortal();
      try {
        const uids: string[] = [];
        for (const portal of [first, second, first, second]) {
          const session = await createDemoSession(portal.api, portal.teamId);
          const uid = /uid=(\d+)/.exec(await say(portal.api, session.id, "/whoami"))?.[1];
          expect(uid).toBeDefined();
          uids.push(uid!);
        }
        expect(new Set(uids).size).toBe(4);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });
});
