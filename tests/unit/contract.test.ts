import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EventSender, SandboxStatus, SessionStatus } from "@/generated/prisma/enums";
import { EVENT_SENDERS } from "@/lib/contract/events";
import { PERMISSION_REPLIES, REPLY_OPTION_KIND, replyForKind } from "@/lib/contract/permissions";
import { SANDBOX_STATUSES } from "@/lib/contract/sandboxes";
import { configValues, displayStatus, publicStatus, SESSION_STATUSES, STATUS_LABEL, STORED_SESSION_STATUSES } from "@/lib/contract/sessions";

// lib/contract is what the routes and the browser agree on; its lists must be the database's.

describe("the shared contract", () => {
  it("lists exactly the statuses and senders the schema stores", () => {
    expect([...STORED_SESSION_STATUSES].sort()).toEqual(Object.values(SessionStatus).sort());
    expect([...SANDBOX_STATUSES].sort()).toEqual(Object.values(SandboxStatus).sort());
    expect([...EVENT_SENDERS].sort()).toEqual(Object.values(EventSender).sort());
    expect([...SESSION_STATUSES].sort()).toEqual([...STORED_SESSION_STATUSES, "awaiting_input"].sort());
    expect(Object.keys(STATUS_LABEL).sort()).toEqual([...SESSION_STATUSES].sort());
  });

  it("shows a running session with a pending permission as awaiting_input, and nothing else", () => {
    expect(publicStatus("running", 1)).toBe("awaiting_input");
    expect(publicStatus("running", 0)).toBe("running");
    expect(publicStatus("idle", 2)).toBe("idle");
  });

  it("maps each reply to one ACP option kind and back", () => {
    for (const reply of PERMISSION_REPLIES) expect(replyForKind(REPLY_OPTION_KIND[reply])).toBe(reply);
    expect(new Set(Object.values(REPLY_OPTION_KIND)).size).toBe(PERMISSION_REPLIES.length);
    expect(replyForKind("reject_always")).toBeNull();
  });

  it("flattens grouped config values", () => {
    const grouped = {
      id: "model",
      name: "Model",
      options: [
        {
          group: "g",
          name: "G",
          options: [
            { value: "a", name: "A" },
            { value: "b", name: "B" },
          ],
        },
      ],
    };
    expect(configValues(grouped).map((value) => value.value)).toEqual(["a", "b"]);
    expect(configValues({ id: "x", name: "X", options: [{ value: "c", name: "C" }] }).map((value) => value.value)).toEqual(["c"]);
  });

  it("can be imported by the browser: no server-only, no Prisma, no Node modules", () => {
    const dir = path.resolve(import.meta.dirname, "../../lib/contract");
    for (const file of readdirSync(dir)) {
      const imports = [...readFileSync(path.join(dir, file), "utf8").matchAll(/from "([^"]+)"|import "([^"]+)"/g)].map((match) => match[1] ?? match[2]);
      expect(
        imports.filter((name) => !name!.startsWith("@/lib/contract/")),
        file,
      ).toEqual([]);
    }
  });

  it("shows a restorable session as idle unless its last turn was cut off", () => {
    expect(displayStatus("restorable", "end_turn")).toBe("idle");
    expect(displayStatus("restorable", null)).toBe("idle");
    expect(displayStatus("restorable", "interrupted")).toBe("restorable");
    expect(displayStatus("running", "interrupted")).toBe("running");
    expect(displayStatus("destroyed", "end_turn")).toBe("destroyed");
  });
});
