// `npm run agents -- list` and `npm run agents -- install claude codex opencode`: the real agents of
// this host, installed once from npm at the catalog's pinned versions (lib/agents). CI runs the
// install before the tests; with the npm cache kept between runs it reads nothing from the network.
import { AGENT_IDS, isAgentId } from "@/lib/agents/catalog";
import { agentsDir, installAgent, listAgentInstalls } from "@/lib/agents/installer";

const [command = "list", ...args] = process.argv.slice(2);

function megabytes(bytes: number | undefined) {
  return bytes === undefined ? "" : `${(bytes / 1e6).toFixed(0)} MB`;
}

function printList() {
  console.log(`agents dir: ${agentsDir()}`);
  for (const agent of listAgentInstalls()) {
    console.log(
      [agent.id.padEnd(9), `${agent.package}@${agent.version}`.padEnd(42), agent.state.padEnd(10), megabytes(agent.sizeBytes), agent.error ?? ""]
        .join(" ")
        .trimEnd(),
    );
  }
}

async function install(ids: string[]) {
  const unknown = ids.filter((id) => !isAgentId(id));
  if (ids.length === 0 || unknown.length > 0) {
    console.error(`usage: npm run agents -- install <${AGENT_IDS.join("|")}>...${unknown.length > 0 ? ` (unknown: ${unknown.join(", ")})` : ""}`);
    process.exit(2);
  }
  let failed = false;
  for (const id of ids.filter(isAgentId)) {
    const started = Date.now();
    console.log(`[agents] ${id}: installing into ${agentsDir()}`);
    const outcome = await installAgent(id, { onOutput: (line) => console.log(`[agents] ${id}: ${line}`) });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (outcome.alreadyRunning) console.log(`[agents] ${id}: another process is installing it (since ${outcome.startedAt}); run list to follow`);
    else if (outcome.state === "installed")
      console.log(`[agents] ${id}: installed ${outcome.package}@${outcome.version} (${megabytes(outcome.sizeBytes)}, ${seconds} s)`);
    else {
      failed = true;
      console.error(`[agents] ${id}: ${outcome.state}: ${outcome.error ?? ""}`);
    }
  }
  if (failed) process.exit(1);
}

if (command === "list") printList();
else if (command === "install") await install(args);
else {
  console.error(`unknown command "${command}": use list or install <${AGENT_IDS.join("|")}>...`);
  process.exit(2);
}
