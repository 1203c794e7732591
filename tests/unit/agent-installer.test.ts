import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentInstallStatus, installAgent, isAgentInstalled } from "@/lib/agents/installer";
import { agentPrograms } from "@/lib/agents/layout";
import { writeRuntimeBin } from "@/lib/agents/runtime-bin";

// The installer's states and the wrappers' configuration, without downloading anything: a failing
// npm (a registry nobody listens on), a lock held by a live process, installs faked by writing the
// files an install leaves. The real npm installs are in tests/integration/agent-installs.test.ts.

let root: string;
const saved = { ...process.env };

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "portal-agents-unit-"));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  process.env = { ...saved };
  (globalThis as { portalEnv?: unknown }).portalEnv = undefined;
});

/** What a finished install of `id` leaves: its programs (as small scripts) and the marker with the catalog's pins. */
function fakeInstall(id: "claude" | "codex" | "opencode", program = "#!/bin/sh\nexit 0\n", pins?: Array<{ name: string; version: string }>) {
  const dir = path.join(root, id);
  for (const file of agentPrograms(id, dir).required) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, program, { mode: 0o755 });
  }
  const packages =
    pins ??
    {
      claude: [{ name: "@zed-industries/claude-code-acp", version: "0.16.2" }],
      codex: [{ name: "@zed-industries/codex-acp", version: "0.16.0" }],
      opencode: [{ name: "opencode-ai", version: "1.18.33" }],
    }[id];
  writeFileSync(path.join(dir, "portal-agent.json"), JSON.stringify({ id, packages, installedAt: new Date().toISOString(), sizeBytes: 1234 }));
}

describe("agent install state", () => {
  it("is absent with nothing, and a half-written install (no marker) or a leftover temp dir is not installed", () => {
    expect(agentInstallStatus("codex", root).state).toBe("absent");
    mkdirSync(path.join(root, ".tmp-codex-abc", "node_modules"), { recursive: true });
    mkdirSync(path.join(root, "codex", "node_modules"), { recursive: true });
    expect(agentInstallStatus("codex", root).state).toBe("absent");
  });

  it("is installed only with the catalog's pins and the programs in place", () => {
    fakeInstall("codex");
    expect(agentInstallStatus("codex", root)).toMatchObject({ state: "installed", version: "0.16.0", sizeBytes: 1234 });
    fakeInstall("claude", undefined, [{ name: "@zed-industries/claude-code-acp", version: "0.15.0" }]);
    expect(isAgentInstalled("claude", root)).toBe(false);
  });

  it("says installing, and does not start a second install, while a live process holds the lock", async () => {
    const holder = spawn("sleep", ["30"]);
    try {
      mkdirSync(path.join(root, ".state"), { recursive: true });
      writeFileSync(
        path.join(root, ".state", "opencode.lock"),
        JSON.stringify({ pid: holder.pid, startedAt: "2026-12-06T21:00:00.000Z", tempDir: path.join(root, ".tmp-opencode-x") }),
      );
      const outcome = await installAgent("opencode", { root });
      expect(outcome).toMatchObject({ state: "installing", alreadyRunning: true, startedAt: "2026-12-06T21:00:00.000Z" });
    } finally {
      holder.kill();
    }
  });

  it("takes over a lock left by a dead process, and a failed npm leaves state failed with npm's words and no install", async () => {
    const dead = spawnSync("true").pid;
    mkdirSync(path.join(root, ".state"), { recursive: true });
    writeFileSync(path.join(root, ".state", "claude.lock"), JSON.stringify({ pid: dead, startedAt: "x", tempDir: "/nonexistent" }));
    // A registry nobody listens on and an empty cache: npm fails fast, offline.
    process.env.npm_config_registry = "http://127.0.0.1:9/";
    process.env.npm_config_fetch_retries = "0";
    process.env.PORTAL_AGENTS_NPM_CACHE = path.join(root, "npm-cache");
    const { env } = await import("@/lib/env");
    (globalThis as { portalEnv?: unknown }).portalEnv = undefined;
    expect(env().PORTAL_AGENTS_NPM_CACHE).toBe(path.join(root, "npm-cache"));
    const outcome = await installAgent("claude", { root });
    expect(outcome.state).toBe("failed");
    expect(outcome.error).toMatch(/npm install exited with/);
    expect(isAgentInstalled("claude", root)).toBe(false);
    // Nothing half-installed is left behind, and the lock is released.
    expect(
      spawnSync("ls", ["-A", root])
        .stdout.toString()
        .split("\n")
        .filter((name) => name.startsWith(".tmp-")),
    ).toEqual([]);
    expect(() => readFileSync(path.join(root, ".state", "claude.lock"))).toThrow();
  }, 120_000);
});

describe("runtime bin wrappers", () => {
  /** Runs an agent's wrapper whose "agent" is a script printing what it was given. */
  function runWrapper(id: "claude" | "codex" | "opencode", gatewayEnv: string | null) {
    fakeInstall(id, `#!/bin/sh\necho "ARGS $*"\nenv\n[ -n "$CODEX_HOME" ] && cat "$CODEX_HOME/config.toml"\nexit 0\n`);
    const binDir = path.join(root, "bin");
    // Claude Code is a Node program; its stand-in is a shell script, so "node" is /bin/sh here.
    writeRuntimeBin({ binDir, agentsDirInJail: root, agentsDirOnHost: root, demoAgentCommand: ["/bin/echo", "demo's agent"], nodePath: "/bin/sh" });
    const home = path.join(root, "home");
    mkdirSync(home, { recursive: true });
    const gatewayFile = path.join(root, "gateway.env");
    if (gatewayEnv !== null) writeFileSync(gatewayFile, gatewayEnv);
    return spawnSync(path.join(binDir, "agent_processes", `${id}-acp`), [], {
      env: {
        PATH: "/usr/bin:/bin",
        HOME: home,
        PORTAL_GATEWAY_ENV_FILE: gatewayFile,
        ANTHROPIC_API_KEY: "sk-portal-own-key",
        OPENAI_API_KEY: "sk-portal-own-key",
      } as unknown as NodeJS.ProcessEnv,
      encoding: "utf8",
    });
  }

  it("claude: base URL and key from the gateway file, quiet flags, the portal's own key gone", () => {
    const run = runWrapper("claude", "# the sandbox's gateway\nPORTAL_GATEWAY_URL=http://10.0.0.1:7000/\nPORTAL_GATEWAY_TOKEN=gw_abc123\n");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("ANTHROPIC_BASE_URL=http://10.0.0.1:7000/anthropic\n");
    expect(run.stdout).toContain("ANTHROPIC_API_KEY=gw_abc123\n");
    expect(run.stdout).toContain("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1");
    expect(run.stdout).toContain("DISABLE_AUTOUPDATER=1");
    expect(run.stdout).not.toContain("sk-portal-own-key");
    expect(run.stdout).not.toContain("PORTAL_GATEWAY_ENV_FILE");
  });

  it("codex: config.toml in $HOME/.codex with the gateway's Responses endpoint, key by environment only", () => {
    const run = runWrapper("codex", "PORTAL_GATEWAY_URL=http://10.0.0.1:7000\nPORTAL_GATEWAY_TOKEN=gw_abc123\n");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`CODEX_HOME=${path.join(root, "home", ".codex")}\n`);
    expect(run.stdout).toContain('base_url = "http://10.0.0.1:7000/openai/v1"');
    expect(run.stdout).toContain('wire_api = "responses"');
    expect(run.stdout).toContain('env_key = "OPENAI_API_KEY"');
    expect(run.stdout).toContain("OPENAI_API_KEY=gw_abc123\n");
    const config = readFileSync(path.join(root, "home", ".codex", "config.toml"), "utf8");
    expect(config).not.toContain("gw_abc123");
    expect(run.stdout).not.toContain("sk-portal-own-key");
  });

  it("opencode: its whole config as JSON with the gateway's OpenAI-compatible endpoint, pure, a server password", () => {
    const run = runWrapper("opencode", "PORTAL_GATEWAY_URL=http://10.0.0.1:7000\nPORTAL_GATEWAY_TOKEN=gw_abc123\n");
    expect(run.status, run.stderr).toBe(0);
    const line = run.stdout.split("\n").find((entry) => entry.startsWith("OPENCODE_CONFIG_CONTENT="))!;
    const config = JSON.parse(line.slice("OPENCODE_CONFIG_CONTENT=".length)) as {
      provider: { portal: { options: { baseURL: string; apiKey: string } } };
      model: string;
    };
    expect(config.provider.portal.options).toEqual({ baseURL: "http://10.0.0.1:7000/openai/v1", apiKey: "{env:OPENAI_API_KEY}" });
    expect(config.model).toBe("portal/gpt-5.3-codex");
    expect(run.stdout).toMatch(/^ARGS acp --pure$/m);
    expect(run.stdout).toMatch(/^OPENCODE_SERVER_PASSWORD=[0-9a-f-]{36}$/m);
    expect(run.stdout).toContain("OPENCODE_DISABLE_AUTOUPDATE=1");
  });

  it("refuses to start without a gateway, or with one whose values could break out of the config", () => {
    const missing = runWrapper("claude", null);
    expect(missing.status).toBe(78);
    expect(missing.stderr).toMatch(/no model gateway/);
    const quoted = runWrapper("codex", 'PORTAL_GATEWAY_URL=http://10.0.0.1:7000"\nmodel = "x\nPORTAL_GATEWAY_TOKEN=t\n');
    expect(quoted.status).toBe(78);
    expect(quoted.stdout).not.toContain("ARGS");
    const notHttp = runWrapper("opencode", "PORTAL_GATEWAY_URL=file:///etc/passwd\nPORTAL_GATEWAY_TOKEN=t\n");
    expect(notHttp.status).toBe(78);
  });

  it("writes the demo's mock-acp with its argv quoted, and drops an agent that is no longer installed", () => {
    fakeInstall("codex");
    const binDir = path.join(root, "bin");
    expect(writeRuntimeBin({ binDir, agentsDirInJail: "/opt/agents", agentsDirOnHost: root, demoAgentCommand: ["/bin/echo", "it's the demo"] }).agents).toEqual(
      ["codex"],
    );
    const demo = spawnSync(path.join(binDir, "agent_processes", "mock-acp"), ["--flag"], { encoding: "utf8" });
    expect(demo.stdout).toBe("it's the demo --flag\n");
    expect(spawnSync(path.join(binDir, "codex"), ["--version"], { encoding: "utf8" }).stdout).toMatch(/^0\.16\.0/);
    rmSync(path.join(root, "codex", "portal-agent.json"));
    expect(writeRuntimeBin({ binDir, agentsDirInJail: "/opt/agents", agentsDirOnHost: root, demoAgentCommand: ["/bin/true"] }).agents).toEqual([]);
    expect(() => readFileSync(path.join(binDir, "agent_processes", "codex-acp"))).toThrow();
    expect(() => readFileSync(path.join(binDir, "codex"))).toThrow();
    chmodSync(binDir, 0o755);
  });
});
