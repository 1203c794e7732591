import { createElement as h } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ManageTable } from "@/components/ui/manage-table";

// On a phone a management table's rows become cards without the heading row: each cell must carry
// its column's name (data-label) to say what its value is ("Last used: never").

describe("ManageTable", () => {
  it("labels every cell but the row's name and its actions after its column", () => {
    const rows = [1, 2].map((n) =>
      h(
        "tr",
        { key: n },
        h("td", null, `token ${n}`),
        h("td", null, "never"),
        h("td", { "data-label": "Own" }, "2027-03-06"),
        false,
        h("td", null, h("button", null, "Revoke")),
      ),
    );
    const html = renderToStaticMarkup(h(ManageTable, { columns: ["Name", "Last used", "Expires", null], children: rows }));
    expect(html.match(/<td[^>]*>/g)).toEqual(Array(2).fill(["<td>", '<td data-label="Last used">', '<td data-label="Own">', "<td>"]).flat());
  });

  it("leaves a table without headings as it is", () => {
    const html = renderToStaticMarkup(h(ManageTable, { children: h("tr", null, h("td", null, "a"), h("td", null, "b")) }));
    expect(html).not.toContain("data-label");
  });
});
