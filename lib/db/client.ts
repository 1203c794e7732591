import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";

// One Prisma client per process (globalThis survives route bundling and hot reload). The URL is only
// known after boot, which may have started an embedded PostgreSQL.

const globalDb = globalThis as unknown as { portalDatabaseUrl?: string; portalPrisma?: PrismaClient };

export function setDatabaseUrl(url: string) {
  globalDb.portalDatabaseUrl = url;
}

export function databaseUrl(): string {
  const url = globalDb.portalDatabaseUrl ?? process.env.DATABASE_URL;
  if (!url) throw new Error("The database is not configured yet (boot has not finished)");
  return url;
}

// Hot statements are prepared once per connection under a name: PostgreSQL then skips parsing and
// planning them on every call (half the time of the writer's batch statement). Only registered SQL is
// named, so generated queries of many shapes do not pile up as prepared statements.
const statementNames = new Map<string, string>();

/** Registers SQL text run often through `$queryRawUnsafe` as a named prepared statement. */
export function preparedStatement(name: string, sql: string): string {
  statementNames.set(sql, name);
  return sql;
}

export function db(): PrismaClient {
  globalDb.portalPrisma ??= new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl(), max: 10 }, { statementNameGenerator: (query) => statementNames.get(query.sql)! }),
  });
  return globalDb.portalPrisma;
}

export async function disconnectDb() {
  await globalDb.portalPrisma?.$disconnect();
  globalDb.portalPrisma = undefined;
}
