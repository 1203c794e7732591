import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allEvents, removeDir, waitFor, waitForIdle, openPortal, type Api, type PortalFixture } from "./harness";
import { agentUpdates, createDemoSession, expectProblem, portalEvents, waitForEvent } from "./session-api-helpers";

// Agents, create options, the session JSON, and model/mode/thought level/config changes, against the
// real runtime and the demo agent (modes ask/code, model demo-small/demo-large, thought low/medium/high).

let fixture: PortalFixture;
let api: Api;
let teamId: string;
let userId: string;

// No real agent is installed in this portal's agents directory, and it has no model key of its own.
const emptyAgentsDir = mkdtempSync(path.join(os.tmpdir(), "portal-no-agents-"));

beforeAll(async () => {
  fixture = await openPortal({ env: { PORTAL_AGENTS_DIR: emptyAgentsDir, ANTHROPIC_API_KEY: "", OPENAI_API_KEY: "" } });
  ({ api, teamId } = fixture);
  userId = (await api.get("/api/me")).user.id;
});
afterAll(async () => {
  await fixture?.close();
  removeDir(emptyAgentsDir);
});

const optionValue = (session: any, id: string) => session.configOptions.find((option: any) => option.id === id)?.currentValue;
const thoughts = (events: Array<{ payload: any }>) => agentUpdates(events, "agent_thought_chunk").map((update) => update.content.text as string);

describe("agents", () => {
  it("lists the demo agent first, offering its real options, then the real agents with what each one misses", async () => {
    const { items } = await api.get("/api/agents");
    expect(items[0]).toMatchObject({
      id: "demo",
      installed: true,
      offline: true,
      models: ["demo-small", "demo-large"],
      modes: ["ask", "code"],
      thoughtLevels: ["low", "medium", "high"],
    });
    expect(items[0].missing).toBeUndefined();
    expect(items[0]).toMatchObject({ ready: true, version: null });
    // The real agents the portal installs (lib/agents/catalog.ts): none is installed here, no key is set.
    const others = items.slice(1);
    expect(others.map((agent: any) => agent.id).sort()).toEqual(["claude", "codex", "opencode"]);
    for (const agent of others) {
      expect(agent).toMatchObject({
        installed: false,
        version: null,
        ready: false,
        offline: false,
        credentialsAvailable: false,
        missing: expect.stringContaining("not installed: an instance admin installs it on /admin"),
      });
    }
    expect(items.find((agent: any) => agent.id === "claude").missing).toContain("no Anthropic key");
    expect(items.find((agent: any) => agent.id === "codex").missing).toContain("no OpenAI key");
    expect(items.find((agent: any) => agent.id === "mock")).toBeUndefined();

    // With a key for the team, only the install is missing; the key is the team's, not another's.
    await api.request("PUT", `/api/teams/${teamId}/credentials/anthropic`, { apiKey: "sk-ant-settings-test-key" });
    const forTeam = (await api.get(`/api/agents?teamId=${teamId}`)).items.find((agent: any) => agent.id === "claude");
    expect(forTeam).toMatchObject({ credentialsAvailable: true, ready: false });
    expect(forTeam.missing).not.toContain("key");
    expect((await api.get("/api/agents")).items.find((agent: any) => agent.id === "claude").credentialsAvailable).toBe(false);
    expectProblem(await api.request("GET", "/api/agents?teamId=00000000-0000-0000-0000-000000000000"), 404, "not_found");
    await api.request("DELETE", `/api/teams/${teamId}/credentials/anthropic`);
  });

  it("offers exactly what a demo session reports at session/new", async () => {
    const { items } = await api.get("/api/agents");
    const session = await createDemoSession(api, teamId);
    const values = (category: string) => session.configOptions.find((option: any) => option.category === category).options.map((option: any) => option.value);
    expect(items[0].models).toEqual(values("model"));
    expect(items[0].thoughtLevels).toEqual(values("thought_level"));
    expect(items[0].modes).toEqual(session.modes.availableModes.map((mode: any) => mode.id));
  });

  it("refuses an agent that is not installed or lacks credentials with a 422 naming what is missing", async () => {
    const claude = expectProblem(await api.request("POST", "/api/sessions", { teamId, agent: "claude" }), 422);
    expect(claude.detail).toContain("not installed");
    expect(claude.detail).toContain("no Anthropic key");
    expect(claude.errors?.[0]?.path).toBe("agent");
    const codex = expectProblem(await api.request("POST", "/api/sessions", { teamId, agent: "codex" }), 422);
    expect(codex.detail).toContain("no OpenAI key");
    const unknown = expectProblem(await api.request("POST", "/api/sessions", { teamId, agent: "gpt-tty" }), 422);
    expect(unknown.errors?.[0]).toMatchObject({ path: "agent", message: expect.stringContaining("demo") });
  });
});

describe("create", () => {
  it("passes cwd, mode, model and thought level to the runtime", async () => {
    // Relative to the sandbox's workspace, which the agent sees as /workspace.
    const cwd = "/workspace";
    {
      const session = await createDemoSession(api, teamId, { cwd: ".", mode: "code", model: "demo-large", thoughtLevel: "high", title: "Configured" });
      expect(session.cwd).toBe(cwd);
      expect(session).toMatchObject({ title: "Configured", status: "idle", mode: "code", model: "demo-large", thoughtLevel: "high", pendingPermissions: [] });
      expect(session.modes.currentModeId).toBe("code");
      expect(optionValue(session, "model")).toBe("demo-large");
      expect(optionValue(session, "thought_level")).toBe("high");
      expect(optionValue(session, "mode")).toBe("code");

      const events = await allEvents(api, session.id);
      const sessionNew = events.find((event) => event.sender === "client" && event.payload?.method === "session/new");
      expect(sessionNew?.payload.params.cwd).toBe(cwd);
      const requests = events
        .filter((event) => event.sender === "client")
        .map((event) => [event.payload.method, event.payload.params?.modeId ?? event.payload.params?.value]);
      expect(requests).toEqual(
        expect.arrayContaining([
          ["session/set_mode", "code"],
          ["session/set_config_option", "demo-large"],
          ["session/set_config_option", "high"],
        ]),
      );

      // The agent really runs with them: its thought names them.
      await api.post(`/api/sessions/${session.id}/prompt`, { text: "which settings" });
      await waitForIdle(api, session.id);
      expect(thoughts(await allEvents(api, session.id)).join("\n")).toContain("Thinking (high) in code mode with demo-large");
    }
  });

  it("answers 422 listing what the agent offers for a value it does not offer, and leaves no session behind", async () => {
    const before = (await api.get(`/api/sessions?teamId=${teamId}&limit=500`)).items.length;
    const mode = expectProblem(await api.request("POST", "/api/sessions", { teamId, agent: "demo", mode: "yolo" }), 422);
    expect(mode.errors).toEqual([{ path: "mode", message: "must be one of: ask, code" }]);
    expect(mode.detail).toContain("ask, code");
    const model = expectProblem(await api.request("POST", "/api/sessions", { teamId, agent: "demo", model: "gpt-9" }), 422);
    expect(model.errors).toEqual([{ path: "model", message: "must be one of: demo-small, demo-large" }]);
    const both = expectProblem(await api.request("POST", "/api/sessions", { teamId, agent: "demo", mode: "code", thoughtLevel: "extreme", model: "x" }), 422);
    expect(both.errors?.map((error) => error.path).sort()).toEqual(["model", "thoughtLevel"]);
    expect(both.errors?.find((error) => error.path === "thoughtLevel")?.message).toBe("must be one of: low, medium, high");
    expect((await api.get(`/api/sessions?teamId=${teamId}&limit=500`)).items.length).toBe(before);
  });

  it("takes a cwd inside the workspace, relative or absolute, and refuses anything else with one answer", async () => {
    expect((await createDemoSession(api, teamId, { cwd: "/workspace/./" })).cwd).toBe("/workspace");
    const answers = new Set<string>();
    for (const cwd of ["/", "/etc", "/root", "/tmp", "..", "../etc", "/workspace/../etc", "/workspace-other", "/definitely/not/here", "/proc/1"]) {
      const problem = expectProblem(await api.request("POST", "/api/sessions", { teamId, agent: "demo", cwd }), 422);
      expect(problem.errors?.[0]?.path).toBe("cwd");
      answers.add(JSON.stringify({ detail: problem.detail, errors: problem.errors }));
    }
    expect([...answers]).toHaveLength(1);
  });
});

describe("session JSON", () => {
  it("carries lastStopReason, eventCount, usage from usage_update and pending permissions", async () => {
    const session = await createDemoSession(api, teamId);
    expect(session).toMatchObject({ lastStopReason: null, usage: null, pendingPermissions: [], eventCount: expect.any(Number) });
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "count my usage please" });
    const done = await waitForIdle(api, session.id);
    const events = await allEvents(api, session.id);
    const usage = agentUpdates(events, "usage_update").at(-1);
    expect(done.lastStopReason).toBe("end_turn");
    expect(done.eventCount).toBe(events.length);
    expect(done.usage).toEqual({ used: usage.used, size: usage.size, cost: usage.cost });
    expect(done.usage.size).toBe(8192); // demo-small's window
    expect(Object.keys(done).sort()).toEqual(
      [
        "id",
        "teamId",
        "title",
        "agent",
        "status",
        "createdBy",
        "createdAt",
        "updatedAt",
        "model",
        "mode",
        "thoughtLevel",
        "lastStopReason",
        "eventCount",
        "usage",
        "pendingPermissions",
        "sandboxId",
        "cwd",
        "archivedAt",
        "modes",
        "configOptions",
      ].sort(),
    );
    expect(done.createdBy).toBe(userId);
  });
});

describe("settings", () => {
  it("PATCH mode, model and thought level apply through the runtime and are recorded as events", async () => {
    const session = await createDemoSession(api, teamId);
    const patched = await api.request("PATCH", `/api/sessions/${session.id}`, { mode: "code" });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ mode: "code", model: "demo-small", thoughtLevel: "medium" });
    expect(patched.body.modes.currentModeId).toBe("code");
    expect(optionValue(patched.body, "mode")).toBe("code");

    const model = await api.request("PATCH", `/api/sessions/${session.id}`, { model: "demo-large", thoughtLevel: "low" });
    expect(model.status).toBe(200);
    expect(model.body).toMatchObject({ mode: "code", model: "demo-large", thoughtLevel: "low" });
    expect(optionValue(model.body, "model")).toBe("demo-large");
    expect(optionValue(model.body, "thought_level")).toBe("low");

    const events = await allEvents(api, session.id);
    expect(portalEvents(events, "config_changed")).toEqual([
      { type: "config_changed", field: "mode", value: "code", by: userId },
      { type: "config_changed", field: "model", value: "demo-large", by: userId },
      { type: "config_changed", field: "thoughtLevel", value: "low", by: userId },
    ]);
    expect(agentUpdates(events, "current_mode_update").at(-1)).toMatchObject({ currentModeId: "code" });

    await api.post(`/api/sessions/${session.id}/prompt`, { text: "what now" });
    const done = await waitForIdle(api, session.id);
    const after = await allEvents(api, session.id);
    expect(thoughts(after).at(-1)).toContain("Thinking (low) in code mode with demo-large");
    expect(done.usage.size).toBe(200_000); // demo-large's window: the agent decided what the model means
  });

  it("keeps modes and configOptions current from the agent's own updates", async () => {
    const session = await createDemoSession(api, teamId, { mode: "code" });
    await api.request("PATCH", `/api/sessions/${session.id}`, { mode: "ask" });
    await api.request("PUT", `/api/sessions/${session.id}/config/model`, { value: "demo-large" });
    // The agent's own report of the last change trails the response.
    const events = await waitForEvent(api, session.id, (event) =>
      event.payload?.params?.update?.configOptions?.some((option: any) => option.id === "model" && option.currentValue === "demo-large"),
    );
    const lastReported = agentUpdates(events, "config_option_update").at(-1).configOptions;
    const current = await api.get(`/api/sessions/${session.id}`);
    expect(current.configOptions).toEqual(lastReported);
    expect(current.modes.currentModeId).toBe(agentUpdates(events, "current_mode_update").at(-1).currentModeId);
    expect(current.mode).toBe("ask");
    expect(current.model).toBe("demo-large");
  });

  it("refuses values the agent does not offer with 422 and the allowed values, changing nothing", async () => {
    const session = await createDemoSession(api, teamId, { title: "Unchanged" });
    const mode = expectProblem(await api.request("PATCH", `/api/sessions/${session.id}`, { mode: "architect" }), 422);
    expect(mode.errors).toEqual([{ path: "mode", message: "must be one of: ask, code" }]);
    const mixed = expectProblem(await api.request("PATCH", `/api/sessions/${session.id}`, { title: "Changed", mode: "code", thoughtLevel: "max" }), 422);
    expect(mixed.errors).toEqual([{ path: "thoughtLevel", message: "must be one of: low, medium, high" }]);
    const current = await api.get(`/api/sessions/${session.id}`);
    expect(current).toMatchObject({ title: "Unchanged", mode: "ask", thoughtLevel: "medium" });
    expect(portalEvents(await allEvents(api, session.id), "config_changed")).toEqual([]);
  });

  it("PUT config applies a config option through the runtime and answers the new option list", async () => {
    const session = await createDemoSession(api, teamId);
    const put = await api.request("PUT", `/api/sessions/${session.id}/config/thought_level`, { value: "high" });
    expect(put.status).toBe(200);
    expect(Object.keys(put.body)).toEqual(["configOptions"]);
    expect(put.body.configOptions.find((option: any) => option.id === "thought_level").currentValue).toBe("high");
    const current = await api.get(`/api/sessions/${session.id}`);
    expect(current.thoughtLevel).toBe("high");
    expect(portalEvents(await allEvents(api, session.id), "config_changed")).toEqual([
      { type: "config_changed", field: "thought_level", value: "high", by: userId },
    ]);

    const modeOption = await api.request("PUT", `/api/sessions/${session.id}/config/mode`, { value: "code" });
    expect(modeOption.status).toBe(200);
    expect((await api.get(`/api/sessions/${session.id}`)).modes.currentModeId).toBe("code");

    const bad = expectProblem(await api.request("PUT", `/api/sessions/${session.id}/config/model`, { value: "demo-huge" }), 422);
    expect(bad.errors).toEqual([{ path: "value", message: "must be one of: demo-small, demo-large" }]);
    const wrongType = expectProblem(await api.request("PUT", `/api/sessions/${session.id}/config/model`, { value: true }), 422);
    expect(wrongType.errors?.[0]?.path).toBe("value");
    const unknown = expectProblem(await api.request("PUT", `/api/sessions/${session.id}/config/temperature`, { value: "1" }), 404);
    expect(unknown.detail).toContain("mode, model, thought_level");
  });

  it("applies changes during a running turn (the agent decides what they mean)", async () => {
    const session = await createDemoSession(api, teamId);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/sleep 2500" });
    await waitForEvent(api, session.id, (event) => event.payload?.method === "session/prompt");
    const patched = await api.request("PATCH", `/api/sessions/${session.id}`, { mode: "code", model: "demo-large" });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: "running", mode: "code", model: "demo-large" });
    const put = await api.request("PUT", `/api/sessions/${session.id}/config/thought_level`, { value: "low" });
    expect(put.status).toBe(200);

    const done = await waitForIdle(api, session.id);
    expect(done).toMatchObject({ lastStopReason: "end_turn", mode: "code", model: "demo-large", thoughtLevel: "low" });
    const events = await allEvents(api, session.id);
    const turnEnd = events.findIndex((event) => event.payload?.type === "turn_ended");
    const changes = events.filter((event) => event.payload?.type === "config_changed");
    expect(changes).toHaveLength(3);
    for (const change of changes) expect(change.index).toBeLessThan(events[turnEnd]!.index);

    await api.post(`/api/sessions/${session.id}/prompt`, { text: "and now" });
    await waitForIdle(api, session.id);
    expect(thoughts(await allEvents(api, session.id)).at(-1)).toContain("Thinking (low) in code mode with demo-large");
  });

  it("PATCH title alone needs no runtime call and is kept", async () => {
    const session = await createDemoSession(api, teamId);
    const patched = await api.request("PATCH", `/api/sessions/${session.id}`, { title: "  Renamed  " });
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe("Renamed");
    const empty = expectProblem(await api.request("PATCH", `/api/sessions/${session.id}`, {}), 422);
    expect(empty.detail).toBeTruthy();
    await waitFor(
      () => api.get(`/api/sessions/${session.id}`),
      (s) => s.title === "Renamed",
    );
  });
});
