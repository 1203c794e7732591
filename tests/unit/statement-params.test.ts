import { describe, expect, it } from "vitest";
import { columnArrays, StatementParams } from "@/lib/db/statement-params";

describe("statement parameters by name", () => {
  it("numbers each name once, in the order it first appears, and gives the values in that order", () => {
    const params = new StatementParams();
    const sql = `SELECT * FROM ${params.unnest("rows", "r", { id: "text", n: "int" })} WHERE r.n < ${params.ref("limit")} AND r.id <> ${params.ref("rows.id", "::text")}`;
    expect(sql).toBe("SELECT * FROM unnest($1::text[], $2::int[]) AS r(id, n) WHERE r.n < $3 AND r.id <> $1::text");
    const rows = columnArrays(
      { id: "text", n: "int" },
      [
        { key: "a", size: 1 },
        { key: "b", size: 2 },
      ],
      (row) => ({ id: row.key, n: row.size }),
    );
    expect(params.values({ rows, limit: 5 })).toEqual([["a", "b"], [1, 2], 5]);
  });

  it("refuses to run with a value missing", () => {
    const params = new StatementParams();
    params.ref("channel");
    params.unnest("rows", "r", { id: "text" });
    expect(() => params.values({ rows: { id: [] } })).toThrow(/"channel"/);
    expect(() => params.values({ channel: "c", rows: {} })).toThrow(/"rows.id"/);
  });
});
