import { describe, expect, it } from "vitest";
import { chooseSandboxNetwork, pastaAvailable } from "@/lib/sandboxes/network";

// Which network bwrap sandboxes get (pasta is installed here, as .ci/run makes sure). Model keys
// never decide it any more: they stay in the portal, behind the model gateway.

describe("chooseSandboxNetwork", () => {
  it("keeps what is configured, and refuses outbound in one line without pasta", () => {
    expect(pastaAvailable()).toBe(true);
    for (const network of ["none", "models", "outbound"] as const) expect(chooseSandboxNetwork(network)).toEqual({ network });
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect(() => chooseSandboxNetwork("outbound")).toThrow("PORTAL_SANDBOX_NETWORK=outbound needs pasta: install it with `apt-get install passt`");
      expect(chooseSandboxNetwork("models")).toEqual({ network: "models" });
    } finally {
      process.env.PATH = path;
    }
  });
});
