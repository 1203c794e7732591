"use client";

import { signOut } from "next-auth/react";

export function SignOutButton() {
  return (
    <button type="button" className="button ghost small" onClick={() => signOut({ callbackUrl: "/login" })} data-testid="sign-out">
      Sign out
    </button>
  );
}
