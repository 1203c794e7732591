import "server-only";
import { randomBytes } from "node:crypto";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { hashPassword } from "@/lib/auth/password";

// Makes sure someone can sign in: PORTAL_ADMIN_EMAIL/PASSWORD (kept in sync on every start) or, on a
// first start without them, admin@localhost with a random password printed once.

const DEFAULT_TEAM = "Default";
const GENERATED_ADMIN = "admin@localhost";

export async function bootstrapAdmin(): Promise<{ email: string; generatedPassword?: string } | null> {
  const { PORTAL_ADMIN_EMAIL: email, PORTAL_ADMIN_PASSWORD: password } = env();
  if (email && password) {
    await ensureOwner(email.toLowerCase(), password, true);
    return { email };
  }
  if ((await db().user.count()) > 0) return null;
  const generatedPassword = randomBytes(12).toString("base64url");
  await ensureOwner(GENERATED_ADMIN, generatedPassword, false);
  return { email: GENERATED_ADMIN, generatedPassword };
}

async function ensureOwner(email: string, password: string, resetPassword: boolean) {
  const passwordHash = await hashPassword(password);
  await db().$transaction(async (tx) => {
    const user = await tx.user.upsert({
      where: { email },
      create: { email, name: "Admin", passwordHash, isInstanceAdmin: true },
      // The bootstrap admin is always an instance admin and never stays disabled.
      update: { isInstanceAdmin: true, disabledAt: null, ...(resetPassword ? { passwordHash } : {}) },
    });
    const team =
      (await tx.team.findFirst({ where: { name: DEFAULT_TEAM }, orderBy: { createdAt: "asc" } })) ?? (await tx.team.create({ data: { name: DEFAULT_TEAM } }));
    await tx.membership.upsert({
      where: { teamId_userId: { teamId: team.id, userId: user.id } },
      create: { teamId: team.id, userId: user.id, role: "owner" },
      update: { role: "owner", ssoGroup: null },
    });
  });
}
