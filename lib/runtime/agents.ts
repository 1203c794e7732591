// The portal's agent ids and the runtime's. The runtime's agent list is compiled in; the portal's
// offline `demo` agent runs in the slot of the runtime's `mock` agent (see lib/runtime/demo-agent.ts).

export const DEMO_AGENT = "demo";
const RUNTIME_DEMO_AGENT = "mock";

export function runtimeAgentId(portalAgent: string): string {
  return portalAgent === DEMO_AGENT ? RUNTIME_DEMO_AGENT : portalAgent;
}

export function portalAgentId(runtimeAgent: string): string {
  return runtimeAgent === RUNTIME_DEMO_AGENT ? DEMO_AGENT : runtimeAgent;
}
