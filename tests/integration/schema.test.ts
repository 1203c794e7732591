import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMigrations } from "@/lib/db/migrate";
import { createTestDatabase, ROOT } from "./harness";

// schema.prisma is the client's source of truth and the hand-written migrations shape the database;
// this proves they agree (tables, columns, types, nullability, enums), so they cannot drift.

interface FieldSpec {
  column: string;
  type: string;
  optional: boolean;
}

function parseSchema(source: string) {
  const enums = new Map<string, string[]>();
  for (const match of source.matchAll(/^enum (\w+) \{([^}]*)\}/gm)) {
    enums.set(
      match[1]!,
      match[2]!
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith("//")),
    );
  }
  const modelNames = [...source.matchAll(/^model (\w+) \{/gm)].map((match) => match[1]!);
  const models = new Map<string, FieldSpec[]>();
  for (const match of source.matchAll(/^model (\w+) \{([^}]*)\}/gm)) {
    const body = match[2]!;
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? match[1]!;
    const fields: FieldSpec[] = [];
    for (const raw of body.split("\n")) {
      const line = raw.replace(/\/\/.*$/, "").trim();
      const field = /^(\w+)\s+(Unsupported\("(\w+)"\)|\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!field || line.startsWith("@@")) continue;
      const [, name, type, unsupported, list, optional, rest] = field;
      if (list || modelNames.includes(type!)) continue; // relation fields are not columns
      fields.push({ column: /@map\("([^"]+)"\)/.exec(rest!)?.[1] ?? name!, type: unsupported ?? type!, optional: Boolean(optional) });
    }
    models.set(table, fields);
  }
  return { enums, models };
}

const PG_TYPE: Record<string, string> = {
  String: "text",
  Int: "integer",
  DateTime: "timestamp with time zone",
  Json: "jsonb",
  tsvector: "tsvector",
  Boolean: "boolean",
  Decimal: "numeric",
  BigInt: "bigint",
};

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  await runMigrations(database.url, path.join(ROOT, "prisma", "migrations"));
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
});

describe("schema.prisma and the migrated database", () => {
  const schema = parseSchema(readFileSync(path.join(ROOT, "prisma", "schema.prisma"), "utf8"));

  it("have the same tables and columns, with the same types and nullability", async () => {
    const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string }>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const tables = new Set(rows.map((row) => row.table_name));
    expect([...tables].sort()).toEqual([...schema.models.keys()].sort());
    for (const [table, fields] of schema.models) {
      const columns = rows.filter((row) => row.table_name === table);
      expect(columns.map((c) => c.column_name).sort(), table).toEqual(fields.map((f) => f.column).sort());
      for (const field of fields) {
        const column = columns.find((c) => c.column_name === field.column)!;
        const expected = schema.enums.has(field.type) ? field.type : PG_TYPE[field.type];
        const actual = column.data_type === "USER-DEFINED" ? column.udt_name : column.data_type;
        expect(actual, `${table}.${field.column}`).toBe(expected);
        // A generated column is nullable in the database even when the model marks it optional.
        expect(column.is_nullable === "YES", `${table}.${field.column} nullability`).toBe(field.optional);
      }
    }
  });

  it("have the same enums", async () => {
    const { rows } = await client.query<{ name: string; value: string }>(
      `SELECT t.typname AS name, e.enumlabel AS value FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder`,
    );
    const actual = new Map<string, string[]>();
    for (const row of rows) actual.set(row.name, [...(actual.get(row.name) ?? []), row.value]);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(schema.enums));
  });

  it("records migrations like prisma migrate deploy, and applying twice is a no-op", async () => {
    const { rows } = await client.query(`SELECT migration_name, checksum, finished_at FROM "_prisma_migrations"`);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(await runMigrations(database.url, path.join(ROOT, "prisma", "migrations"))).toEqual([]);
  });
});
