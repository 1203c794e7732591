import { describe, expect, it } from "vitest";
import { chooseSandboxNetwork, pastaAvailable } from "@/lib/sandboxes/network";

// Which network bwrap sandboxes get when PORTAL_SANDBOX_NETWORK is set or not (pasta is installed
// here, as .ci/run makes sure).

describe("chooseSandboxNetwork", () => {
  it("defaults to outbound when an agent credential is set, to none otherwise, and keeps what is configured", () => {
    expect(pastaAvailable()).toBe(true);
    expect(chooseSandboxNetwork(undefined, {})).toEqual({ network: "none" });
    expect(chooseSandboxNetwork(undefined, { ANTHROPIC_API_KEY: "sk-test" })).toEqual({ network: "outbound" });
    expect(chooseSandboxNetwork("none", { OPENAI_API_KEY: "sk-test" })).toEqual({ network: "none" });
    expect(chooseSandboxNetwork("outbound", {})).toEqual({ network: "outbound" });
  });
});
