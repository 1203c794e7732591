import { describe, expect, it } from "vitest";
import type { PolicyRule } from "@/lib/contract/policies";
import { matchingRule, toolCallFacts } from "@/lib/policies/match";
import { formatUsd } from "@/lib/contract/usage";
import { REDACTED, redactor } from "@/lib/shares/redact";
import { usageCsv } from "@/lib/usage/usage";
import { slackText } from "@/lib/webhooks/slack";
import { addressAllowed } from "@/lib/webhooks/targets";

// The pure parts of issue 20: the policy matcher, redaction of shared text, the webhook address
// guard, the Slack body and the usage CSV.

describe("approval policy matching", () => {
  const rules: PolicyRule[] = [
    { id: "env", kind: "edit", pattern: "**/.env", action: "deny" },
    { id: "edits", kind: "edit", action: "ask" },
    { id: "reads", kind: "read", action: "allow" },
    { id: "docs", pattern: "docs/**", action: "allow" },
  ];
  const match = (toolCall: Parameters<typeof toolCallFacts>[0]) => matchingRule(rules, toolCallFacts(toolCall))?.id ?? null;

  it("takes the first rule whose kind and pattern match, by title or by any path", () => {
    expect(match({ kind: "edit", title: "Edit config/.env", rawInput: { path: "config/.env" } })).toBe("env");
    expect(match({ kind: "edit", title: "Edit x", locations: [{ path: "/workspace/app/.env" }] })).toBe("env");
    expect(match({ kind: "edit", title: "Edit src/a.ts", rawInput: { path: "src/a.ts" } })).toBe("edits");
    expect(match({ kind: "read", title: "Read anything" })).toBe("reads");
    expect(match({ kind: "execute", title: "Run docs/build.sh", rawInput: { path: "docs/build.sh" } })).toBe("docs");
    // A pattern is matched against the whole title, or a whole path.
    expect(match({ kind: "fetch", title: "Fetch docs/index.html" })).toBeNull();
    expect(matchingRule([{ id: "titles", pattern: "Fetch *", action: "allow" }], toolCallFacts({ kind: "fetch", title: "Fetch docs/index.html" }))?.id).toBe(
      "titles",
    );
  });

  it("never answers for a kind no rule names (nor an unknown kind, taken as other)", () => {
    expect(match({ kind: "execute", title: "Run make" })).toBeNull();
    expect(match({ kind: "delete", title: "Delete src/a.ts", rawInput: { path: "src/a.ts" } })).toBeNull();
    expect(toolCallFacts({ kind: "teleport", title: "x" }).kind).toBe("other");
    expect(matchingRule([{ id: "o", kind: "other", action: "deny" }], toolCallFacts({ kind: "teleport" }))?.id).toBe("o");
    expect(matchingRule([{ id: "empty", action: "allow" }], toolCallFacts({ kind: "read" }))).toBeNull();
  });
});

describe("redaction of shared text", () => {
  const redact = redactor(["super-secret-value-123", "short"]);
  it("replaces known values and secret-shaped strings everywhere in an event, and nothing else", () => {
    const event = {
      text: "key super-secret-value-123 and ap_abcdefghijklmnopqrstuvwx1234 then sk-ant-api03-abcdefghijklmnop, whsec_abcdefghijklmnopqrstu",
      nested: [{ title: "token shr_0123456789abcdefghijklmnop here" }, 42, null, true],
      harmless: "a short word and skeleton-key stay",
    };
    const out = redact(event) as typeof event;
    expect(out.text).toBe(`key ${REDACTED} and ${REDACTED} then ${REDACTED}, ${REDACTED}`);
    expect(out.nested).toEqual([{ title: `token ${REDACTED} here` }, 42, null, true]);
    expect(out.harmless).toBe("a short word and skeleton-key stay");
    expect(event.text).toContain("super-secret-value-123");
  });
});

describe("webhook address guard", () => {
  it("allows public addresses only by default, loopback or private ranges when the instance says so", () => {
    for (const address of ["93.184.216.34", "2606:4700::6810:85e5"]) expect(addressAllowed(address, "public"), address).toBe(true);
    for (const address of [
      "127.0.0.1",
      "::1",
      "::ffff:127.0.0.1",
      "10.0.0.1",
      "172.16.5.4",
      "192.168.1.1",
      "169.254.169.254",
      "fe80::1",
      "fd00::1",
      "0.0.0.0",
      "100.64.0.1",
      "not an address",
    ]) {
      expect(addressAllowed(address, "public"), address).toBe(false);
    }
    expect(addressAllowed("127.0.0.1", "loopback")).toBe(true);
    expect(addressAllowed("::ffff:127.0.0.1", "loopback")).toBe(true);
    expect(addressAllowed("10.0.0.1", "loopback")).toBe(false);
    expect(addressAllowed("169.254.169.254", "loopback")).toBe(false);
    expect(addressAllowed("10.0.0.1", "private")).toBe(true);
    expect(addressAllowed("169.254.169.254", "private")).toBe(true);
    expect(addressAllowed("0.0.0.0", "private")).toBe(false);
  });
});

describe("the Slack body and the usage CSV", () => {
  it("says what happened in one line", () => {
    const base = { team: { name: "Core" }, session: { title: "Fix the build" } };
    expect(slackText({ ...base, event: "permission.waiting", data: { toolCall: { title: "Edit a.ts" } } })).toBe(
      "Waiting for permission in “Fix the build” (Core): Edit a.ts",
    );
    expect(slackText({ ...base, event: "turn.ended", data: { stopReason: "end_turn" } })).toBe("Turn ended in “Fix the build” (Core): end_turn");
    expect(slackText({ team: { name: "Core" }, event: "budget.reached", data: { message: "Budget of Core reached" } })).toBe("Budget of Core reached");
  });

  it("quotes commas and quotes, and defuses spreadsheet formulas", () => {
    const csv = usageCsv({
      groupBy: "session",
      from: "2026-12-01",
      to: "2026-12-06",
      items: [
        { key: "s1", label: 'Fix "it", now', calls: 2, inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.5 },
        { key: "s2", label: "=HYPERLINK(1)", calls: 1, inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: null },
      ],
      total: { calls: 3, inputTokens: 11, outputTokens: 6, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.5 },
    });
    expect(csv.split("\r\n")).toEqual([
      "session,label,calls,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd",
      's1,"Fix ""it"", now",2,10,5,0,0,0.5',
      "s2,'=HYPERLINK(1),1,1,1,0,0,",
      "",
    ]);
    expect(formatUsd(1234.5)).toBe("$1,234.50");
    expect(formatUsd(0.0042)).toBe("$0.0042");
    expect(formatUsd(null)).toBe("—");
  });
});
