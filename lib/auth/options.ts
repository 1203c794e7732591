import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { recordAudit } from "@/lib/audit";
import { db } from "@/lib/db/client";
import { authSecret } from "@/lib/auth/secret";
import { UNUSABLE_HASH, verifyPassword } from "@/lib/auth/password";

// next-auth: credentials provider, JWT sessions. Every attempt is audited in the user's teams.

async function auditSignIn(userId: string, ok: boolean) {
  const memberships = await db().membership.findMany({ where: { userId }, select: { teamId: true } });
  await db().$transaction(async (tx) => {
    for (const { teamId } of memberships) {
      await recordAudit(tx, { teamId, actorId: userId, action: ok ? "auth.sign_in" : "auth.sign_in_failed", targetType: "user", targetId: userId });
    }
  });
}

export function authOptions(): NextAuthOptions {
  return {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: 30 * 24 * 3600 },
    pages: { signIn: "/login" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials) {
          const email = String(credentials?.email ?? "").trim().toLowerCase();
          const password = String(credentials?.password ?? "");
          if (!email || !password || email.length > 320 || password.length > 1_000) return null;
          const user = await db().user.findUnique({ where: { email } });
          // Verify even for unknown emails so timing does not reveal which accounts exist.
          const ok = await verifyPassword(password, user?.passwordHash ?? UNUSABLE_HASH);
          if (user) await auditSignIn(user.id, ok);
          if (!user || !ok) return null;
          return { id: user.id, email: user.email, name: user.name };
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) token.sub = user.id;
        return token;
      },
      session({ session, token }) {
        if (session.user && token.sub) (session.user as { id?: string }).id = token.sub;
        return session;
      },
    },
  };
}
