import "server-only";

// What a runtime and its agents may see of the portal's environment: an allowlist, never "the
// portal's environment minus the secrets we thought of". No model key is in it: agents reach their
// models through the portal's gateway (lib/gateway) with a token that only works from their sandbox.

const PASSED = ["LANG", "LC_ALL", "TZ"];

// Long agent turns must not be cut off by the runtime's default 120 s ACP request timeout.
const ACP_REQUEST_TIMEOUT_MS = String(7 * 24 * 3600 * 1000);

/** `dataHome`: where the runtime finds `sandbox-agent/bin` (its agent processes); the home by default. */
export function runtimeEnvironment({
  home,
  dataHome = home,
  path = "/usr/local/bin:/usr/bin:/bin",
}: {
  home: string;
  dataHome?: string;
  path?: string;
}): NodeJS.ProcessEnv {
  const env: Record<string, string> = { PATH: path, HOME: home, XDG_DATA_HOME: dataHome, SANDBOX_AGENT_ACP_REQUEST_TIMEOUT_MS: ACP_REQUEST_TIMEOUT_MS };
  for (const name of PASSED) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  // Next's types make NODE_ENV a required key of ProcessEnv; a runtime's environment has none.
  return env as NodeJS.ProcessEnv;
}
