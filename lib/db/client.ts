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

export function db(): PrismaClient {
  globalDb.portalPrisma ??= new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl(), max: 10 }) });
  return globalDb.portalPrisma;
}

export async function disconnectDb() {
  await globalDb.portalPrisma?.$disconnect();
  globalDb.portalPrisma = undefined;
}
