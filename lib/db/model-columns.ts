import "server-only";
import { db } from "@/lib/db/client";

// The SELECT list of a model's scalar columns under its Prisma field names, read from the client's
// own data model, so a raw query that joins (one statement where Prisma's `include` would send
// several) returns rows exactly like `findUnique`. Enums come back as text, as Prisma gives them.

type ModelName = "Session" | "Sandbox" | "Team";
interface RuntimeField {
  name: string;
  kind: string;
  dbName?: string | null;
}

const cache = new Map<string, string>();

export function modelColumns(model: ModelName, alias: string): string {
  const key = `${model}:${alias}`;
  const cached = cache.get(key);
  if (cached) return cached;
  // The client's data model (the generated schema) is not in its public type, but always on it.
  const dataModel: { models?: Record<string, { fields: RuntimeField[] }> } | undefined = Reflect.get(db(), "_runtimeDataModel");
  const fields = dataModel?.models?.[model]?.fields ?? [];
  const list = fields
    .filter((field) => field.kind === "scalar" || field.kind === "enum")
    .map((field) => `${alias}."${field.dbName ?? field.name}"${field.kind === "enum" ? "::text" : ""} AS "${field.name}"`)
    .join(", ");
  if (!list) throw new Error(`The Prisma data model has no model ${model}`);
  cache.set(key, list);
  return list;
}
