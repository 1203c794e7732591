import "server-only";
import { randomBytes } from "node:crypto";
import { closeSync, fchmodSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { AGENT_CATALOG, mainPackage, type AgentId } from "@/lib/agents/catalog";
import { agentInstallDir, agentsDir, isAgentInstalled } from "@/lib/agents/installer";
import { agentPrograms, NODE } from "@/lib/agents/layout";

// The runtime (sandbox-agent 0.4.2) starts agent <id> by running
// `$XDG_DATA_HOME/sandbox-agent/bin/agent_processes/<id>-acp`, and only when a "native" binary
// `…/bin/<id>` exists too (otherwise it tries to download the agent). This writes both for every
// installed agent, and `mock-acp` for the portal's demo agent, into a directory the portal owns and
// binds read-only into every jail. The wrappers configure their agent at start, as the sandbox's
// uid: the model gateway's URL and per-sandbox token come from a root-owned file bound read-only
// into the jail, so the portal never writes into a sandbox's home and no key is in any argv.

/** Where the integrator binds the sandbox's gateway file; `local` sandboxes name theirs in PORTAL_GATEWAY_ENV_FILE. */
export const GATEWAY_ENV_FILE = "/run/portal-gateway/gateway.env";

/** Codex needs a model name it knows: an unknown one arrives as an agent-message warning and drops apply_patch. */
export const CODEX_DEFAULT_MODEL = "gpt-5.3-codex";
/** OpenCode's model id at the gateway's OpenAI-compatible endpoint. */
export const OPENCODE_DEFAULT_MODEL = "gpt-5.3-codex";

export interface RuntimeBinOptions {
  /** A directory the portal owns: it becomes `$XDG_DATA_HOME/sandbox-agent/bin` of the runtime. */
  binDir: string;
  /** Where the runtime sees the agents dir: `/opt/agents` in a jail, the host path for `local`. */
  agentsDirInJail: string;
  /** argv of the demo agent as the runtime sees it (its Node binary and script). */
  demoAgentCommand: string[];
  /** The agents dir on this host, to know which agents are installed (default agentsDir()). */
  agentsDirOnHost?: string;
  /** The Node binary as the runtime sees it (Claude Code is a Node program); default this process's. */
  nodePath?: string;
  /**
   * argv that every agent's command is run through, followed by the agent's id and `--` (a bwrap
   * sandbox's lib/sandboxes/agent-relay.mjs, which keeps a burst within what the runtime's stream holds).
   */
  relay?: string[];
}

/** Writes the runtime's bin dir; returns the agents it now starts. */
export function writeRuntimeBin(options: RuntimeBinOptions): { agents: AgentId[] } {
  const hostRoot = options.agentsDirOnHost ?? agentsDir();
  const node = options.nodePath ?? process.execPath;
  const through = (id: string, command: string[]) => (options.relay ? [...options.relay, id, "--", ...command] : command);
  ensureRealDirectory(options.binDir, true);
  const processes = path.join(options.binDir, "agent_processes");
  ensureRealDirectory(processes, false);
  writeAtomically(
    processes,
    "mock-acp",
    `#!/bin/sh\n# The portal's demo agent in the runtime's mock slot (lib/agents/runtime-bin.ts).\nexec ${shellWords(through("mock", options.demoAgentCommand))} "$@"\n`,
  );
  const agents: AgentId[] = [];
  for (const { id } of AGENT_CATALOG) {
    if (!isAgentInstalled(id, hostRoot)) {
      // An agent removed since the last write must not look startable.
      for (const file of [path.join(processes, `${id}-acp`), path.join(options.binDir, id)]) removeIfPresent(file);
      continue;
    }
    const dirInJail = path.posix.join(options.agentsDirInJail, id);
    const programs = agentPrograms(id, dirInJail, agentInstallDir(id, hostRoot));
    const acp = programs.acp.map((word) => (word === NODE ? node : word));
    writeAtomically(processes, `${id}-acp`, agentWrapper(id, through(id, acp)));
    // The runtime only runs the native binary with --version before it starts the adapter.
    writeAtomically(options.binDir, id, `#!/bin/sh\necho "${mainPackage(id).version} (installed by Agent Portal)"\n`);
    agents.push(id);
  }
  return { agents };
}

/** The start of every wrapper: the gateway's URL and token, read (never sourced) from the gateway file. */
const READ_GATEWAY = `set -eu
gateway_env="\${PORTAL_GATEWAY_ENV_FILE:-${GATEWAY_ENV_FILE}}"
PORTAL_GATEWAY_URL=""
PORTAL_GATEWAY_TOKEN=""
if [ -r "$gateway_env" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      PORTAL_GATEWAY_URL=*) PORTAL_GATEWAY_URL="\${line#*=}" ;;
      PORTAL_GATEWAY_TOKEN=*) PORTAL_GATEWAY_TOKEN="\${line#*=}" ;;
    esac
  done < "$gateway_env"
fi
if [ -z "$PORTAL_GATEWAY_URL" ] || [ -z "$PORTAL_GATEWAY_TOKEN" ]; then
  echo "Agent Portal: no model gateway for this sandbox ($gateway_env has no PORTAL_GATEWAY_URL and PORTAL_GATEWAY_TOKEN)" >&2
  exit 78
fi
case "$PORTAL_GATEWAY_URL" in
  http://*|https://*) ;;
  *) echo "Agent Portal: PORTAL_GATEWAY_URL is not an http(s) URL" >&2; exit 78 ;;
esac
# Both go into config files and JSON below: only characters that need no quoting there.
case "$PORTAL_GATEWAY_URL$PORTAL_GATEWAY_TOKEN" in
  *[!A-Za-z0-9._~:/@%+=,-]*) echo "Agent Portal: the gateway URL or token holds a character it may not" >&2; exit 78 ;;
esac
PORTAL_GATEWAY_URL="\${PORTAL_GATEWAY_URL%/}"
unset PORTAL_GATEWAY_ENV_FILE
# No agent phones home: telemetry, error reports, update checks.
export DO_NOT_TRACK=1
`;

function agentWrapper(id: AgentId, acp: string[]): string {
  const header = `#!/bin/sh\n# ${id} through Agent Portal's model gateway (written by lib/agents/runtime-bin.ts; do not edit).\n${READ_GATEWAY}`;
  switch (id) {
    case "claude":
      return `${header}export ANTHROPIC_BASE_URL="$PORTAL_GATEWAY_URL/anthropic"
export ANTHROPIC_API_KEY="$PORTAL_GATEWAY_TOKEN"
unset ANTHROPIC_AUTH_TOKEN CLAUDE_CODE_OAUTH_TOKEN OPENAI_API_KEY
export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1 DISABLE_BUG_COMMAND=1
exec ${shellWords(acp)} "$@"
`;
    case "codex":
      // CODEX_HOME must not be under /tmp (its sandbox helper refuses); in the home, its session files
      // survive a sandbox restart, so session/load finds them.
      return `${header}export CODEX_HOME="$HOME/.codex"
mkdir -p "$CODEX_HOME"
umask 077
config="$CODEX_HOME/config.toml"
cat > "$config.portal-$$" <<CONFIG
# Written by Agent Portal at every start of Codex: its model is reached only through the portal's gateway.
model = "${CODEX_DEFAULT_MODEL}"
model_provider = "portal"
check_for_update_on_startup = false

[model_providers.portal]
name = "Agent Portal"
base_url = "$PORTAL_GATEWAY_URL/openai/v1"
wire_api = "responses"
env_key = "OPENAI_API_KEY"

[analytics]
enabled = false

[otel]
exporter = "none"
log_user_prompt = false
CONFIG
mv -f "$config.portal-$$" "$config"
export OPENAI_API_KEY="$PORTAL_GATEWAY_TOKEN"
unset ANTHROPIC_API_KEY CODEX_API_KEY OPENAI_BASE_URL
exec ${shellWords(acp)} "$@"
`;
    case "opencode":
      // --pure: no external plugins (which it would look up on the npm registry at start). Its sessions
      // live under XDG_DATA_HOME: in the home, not the runtime's (a tmpfs of the jail), they survive a
      // sandbox restart, so session/load finds them.
      return `${header}export XDG_DATA_HOME="$HOME/.local/share"
export OPENAI_API_KEY="$PORTAL_GATEWAY_TOKEN"
unset ANTHROPIC_API_KEY OPENAI_BASE_URL
export OPENCODE_DISABLE_AUTOUPDATE=1 OPENCODE_DISABLE_MODELS_FETCH=1 OPENCODE_DISABLE_DEFAULT_PLUGINS=1 OPENCODE_DISABLE_LSP_DOWNLOAD=1 OPENCODE_DISABLE_SHARE=1 OPENCODE_DISABLE_CLAUDE_CODE=1 OPENCODE_DISABLE_EMBEDDED_WEB_UI=1 OPENCODE_PURE=1
# \`opencode acp\` serves its own HTTP API on 127.0.0.1:4096 (or another port): a password only this process knows.
OPENCODE_SERVER_PASSWORD="$(cat /proc/sys/kernel/random/uuid)"
export OPENCODE_SERVER_PASSWORD
config=${shellWords([JSON.stringify(opencodeConfig())])}
export OPENCODE_CONFIG_CONTENT="\${config%%${GATEWAY_PLACEHOLDER}*}$PORTAL_GATEWAY_URL\${config#*${GATEWAY_PLACEHOLDER}}"
exec ${shellWords(acp)} --pure "$@"
`;
  }
}

const GATEWAY_PLACEHOLDER = "@PORTAL_GATEWAY_URL@";

/** OpenCode's whole configuration: one provider, the gateway's OpenAI-compatible endpoint. */
function opencodeConfig() {
  return {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    model: `portal/${OPENCODE_DEFAULT_MODEL}`,
    small_model: `portal/${OPENCODE_DEFAULT_MODEL}`,
    enabled_providers: ["portal"],
    // Without this OpenCode edits and runs commands without asking.
    permission: { edit: "ask", bash: "ask" },
    provider: {
      portal: {
        npm: "@ai-sdk/openai-compatible",
        name: "Agent Portal",
        options: { baseURL: `${GATEWAY_PLACEHOLDER}/openai/v1`, apiKey: "{env:OPENAI_API_KEY}" },
        models: { [OPENCODE_DEFAULT_MODEL]: { name: OPENCODE_DEFAULT_MODEL, tool_call: true } },
      },
    },
  };
}

/** Quotes argv words for sh (single quotes; a quote inside becomes '\''). */
function shellWords(words: string[]): string {
  return words.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(" ");
}

/** mkdir, then refuse anything that is not a real directory of ours (a symlink planted in its place). */
function ensureRealDirectory(dir: string, recursive: boolean) {
  try {
    mkdirSync(dir, { recursive, mode: 0o755 });
  } catch (error) {
    // Written before (every sandbox start rewrites it): the checks below decide.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.isSymbolicLink()) throw new Error(`${dir} is not a directory (a symlink?); refusing to write the runtime's agents there`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid)
    throw new Error(`${dir} belongs to uid ${stat.uid}, not the portal's; refusing to write the runtime's agents there`);
}

/** A new file beside the target (O_EXCL: never through a symlink), then one rename over it. */
function writeAtomically(dir: string, name: string, content: string, mode = 0o755) {
  const temp = path.join(/*turbopackIgnore: true*/ dir, `.${name}.${randomBytes(6).toString("hex")}`);
  const fd = openSync(/*turbopackIgnore: true*/ temp, "wx", mode);
  try {
    writeSync(fd, content);
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path.join(dir, name));
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function removeIfPresent(file: string) {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
