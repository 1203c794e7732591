import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/errors";
import { checkSetting, currentSettingsView, offeredValues, optionValues, withCategoryValue } from "@/lib/sessions/config-values";
import { fileUriPath, promptContent } from "@/lib/sessions/prompt-content";
import { escapeLike, sessionListSql } from "@/lib/sessions/search-sql";
import { storedText } from "@/lib/sessions/stored-text";

// Pure parts of the session API: what an agent offers, prompt content rules, the list SQL.

const configOptions = [
  {
    id: "mode",
    name: "Mode",
    category: "mode",
    type: "select",
    currentValue: "ask",
    options: [
      { value: "ask", name: "Ask" },
      { value: "code", name: "Code" },
    ],
  },
  {
    id: "model",
    name: "Model",
    category: "model",
    type: "select",
    currentValue: "small",
    options: [
      { group: "fast", name: "Fast", options: [{ value: "small", name: "Small" }] },
      {
        group: "smart",
        name: "Smart",
        options: [
          { value: "large", name: "Large" },
          { value: "huge", name: "Huge" },
        ],
      },
    ],
  },
  { id: "verbose", name: "Verbose", type: "boolean", currentValue: false },
];
const modes = {
  currentModeId: "ask",
  availableModes: [
    { id: "ask", name: "Ask" },
    { id: "code", name: "Code" },
    { id: "plan", name: "Plan" },
  ],
};

describe("config values", () => {
  it("flattens grouped select values and has none for a boolean option", () => {
    expect(optionValues(configOptions[1]!)).toEqual(["small", "large", "huge"]);
    expect(optionValues(configOptions[2]!)).toBeNull();
  });

  it("prefers the agent's modes list for the mode, and reads model / thought level by category", () => {
    expect(offeredValues("mode", configOptions, modes)).toEqual(["ask", "code", "plan"]);
    expect(offeredValues("mode", configOptions, null)).toEqual(["ask", "code"]);
    expect(offeredValues("model", configOptions, modes)).toEqual(["small", "large", "huge"]);
    expect(offeredValues("thoughtLevel", configOptions, modes)).toBeNull();
  });

  it("checks a setting against what is offered", () => {
    expect(checkSetting("model", "large", configOptions, modes)).toEqual({ ok: true });
    expect(checkSetting("model", "giant", configOptions, modes)).toEqual({ ok: false, allowed: ["small", "large", "huge"] });
    expect(checkSetting("thoughtLevel", "high", configOptions, modes)).toEqual({ ok: false, allowed: null });
    // An option that lists no values leaves the decision to the agent.
    expect(checkSetting("model", "anything", [{ id: "m", category: "model", type: "select", currentValue: "x", options: [] }], null)).toEqual({ ok: true });
  });

  it("makes the stored lists agree with the latest reported mode, model and thought level", () => {
    const view = currentSettingsView({ mode: "code", model: "large", thoughtLevel: null }, configOptions, modes);
    expect(view.modes).toEqual({ ...modes, currentModeId: "code" });
    expect(view.configOptions.map((option) => option.currentValue)).toEqual(["code", "large", false]);
    expect(currentSettingsView({ mode: null, model: null, thoughtLevel: null }, null, null)).toEqual({ configOptions: [], modes: null });
    expect(withCategoryValue(configOptions, "thought_level", "high")).toEqual(configOptions);
  });
});

describe("prompt content", () => {
  it("turns plain text into one text block and keeps content blocks", () => {
    expect(promptContent({ text: "hi" })).toEqual([{ type: "text", text: "hi" }]);
    const content = [
      { type: "text" as const, text: "see" },
      { type: "resource_link" as const, uri: "file:///work/a%20b.txt", name: "a b.txt" },
    ];
    expect(promptContent({ content })).toEqual(content);
    expect(promptContent({ content: [content[1]!] })).toEqual([content[1]]);
  });

  it("replaces half of a surrogate pair, which the runtime refuses, and keeps whole emoji", () => {
    expect(promptContent({ text: `cut ${"\ud83d"} and ${"\ude00"} whole 😀` })).toEqual([{ type: "text", text: "cut \ufffd and \ufffd whole 😀" }]);
  });

  it("refuses empty prompts (422), text over 256 KiB (413) and links that are not sandbox files (422)", () => {
    const status = (fn: () => unknown) => {
      try {
        fn();
        return 0;
      } catch (error) {
        return error instanceof ApiError ? error.status : -1;
      }
    };
    expect(status(() => promptContent({ text: " \n " }))).toBe(422);
    expect(status(() => promptContent({ text: "é".repeat(128 * 1024) }))).toBe(0); // 256 KiB in UTF-8 exactly
    expect(status(() => promptContent({ text: "é".repeat(128 * 1024) + "x" }))).toBe(413);
    expect(status(() => promptContent({ content: [{ type: "resource_link", uri: "https://example.com/x", name: "x" }] }))).toBe(422);
    expect(status(() => promptContent({ content: [{ type: "resource_link", uri: "file://host/x", name: "x" }] }))).toBe(422);
  });

  it("reads the absolute path of a file:// URI", () => {
    expect(fileUriPath("file:///tmp/notes.txt")).toBe("/tmp/notes.txt");
    expect(fileUriPath("file://localhost/tmp/a%20b")).toBe("/tmp/a b");
    expect(fileUriPath("file:relative")).toBe("/relative");
    expect(fileUriPath("/tmp/plain-path")).toBeNull();
    expect(fileUriPath("file:///tmp/%00")).toBeNull();
    expect(fileUriPath("not a uri")).toBeNull();
  });
});

describe("session list SQL", () => {
  it("scopes to one team by equality (index order) and to several with ANY", () => {
    const one = sessionListSql({ teamIds: ["t1"], take: 51 });
    expect(one.text).toContain("s.team_id = $1 ");
    expect(one.text).toMatch(/ORDER BY s\.created_at DESC, s\.id DESC LIMIT \$2::int$/);
    expect(one.values).toEqual(["t1", 51]);
    const many = sessionListSql({ teamIds: ["t1", "t2"], take: 11 });
    expect(many.text).toContain("s.team_id = ANY($1::text[])");
    expect(many.values).toEqual([["t1", "t2"], 11]);
  });

  it("binds every filter as a parameter, with the keyset after the previous page", () => {
    const at = new Date("2026-11-24T10:00:00.123Z");
    const sql = sessionListSql({ teamIds: ["t"], status: "idle", agent: "demo", createdBy: "u", q: " 50% off_sale ", after: { at, id: "s9" }, take: 3 });
    expect(sql.text).toContain(`s.status = $2::"SessionStatus"`);
    expect(sql.text).toContain("(s.created_at, s.id) < ($5::timestamptz, $6)");
    expect(sql.text).toContain("s.title ILIKE $7 OR EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id AND m.search @@ plainto_tsquery('simple', $8))");
    expect(sql.values).toEqual(["t", "idle", "demo", "u", at.toISOString(), "s9", "%50\\% off\\_sale%", "50% off_sale", 3]);
    expect(sql.text).not.toContain("50%");
  });

  it("leaves out the search for a blank q", () => {
    expect(sessionListSql({ teamIds: ["t"], q: "   ", take: 5 }).text).not.toContain("messages");
  });

  it("escapes LIKE wildcards", () => {
    expect(escapeLike("a%b_c\\d")).toBe("a\\%b\\_c\\\\d");
  });
});

describe("stored text", () => {
  it("follows the one input rule: refuses NUL characters and lone surrogates", () => {
    expect(storedText().safeParse(" plain ").data).toBe("plain");
    expect(storedText().safeParse("nul\u0000").success).toBe(false);
    expect(storedText().safeParse("half \uD83D").success).toBe(false);
    expect(storedText().safeParse("whole \uD83D\uDE00").success).toBe(true);
  });
});
