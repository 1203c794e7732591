"use client";

import Link from "next/link";
import { useCallback, useRef, useState } from "react";
import { useAttention } from "@/components/shell/attention";
import { ThemeToggle } from "@/components/shell/theme-toggle";
import { SignOutButton } from "@/components/sign-out-button";
import { useDismiss } from "@/components/ui/use-dismiss";
import type { Theme } from "@/lib/theme";

/** Who is signed in, the theme, notifications and sign out: inline on wide screens, a menu on a phone. */
export function UserMenu({ email, initial, theme, isInstanceAdmin }: { email: string; initial: string; theme: Theme; isInstanceAdmin: boolean }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const { notifications, notifyEnabled, setNotifyEnabled } = useAttention();

  useDismiss(
    open,
    root,
    useCallback(() => setOpen(false), []),
  );

  return (
    <div className={`topbar-user${open ? " open" : ""}`} ref={root}>
      <button
        type="button"
        className="user-avatar"
        aria-expanded={open}
        aria-controls="user-menu-panel"
        aria-label={`Account menu for ${email}`}
        onClick={() => setOpen(!open)}
        data-testid="user-menu"
      >
        {initial}
      </button>
      <div className="user-menu-panel" id="user-menu-panel">
        <span className="user-email" data-testid="current-user">
          {email}
        </span>
        {/* The top bar's Teams and Admin, shown here only where the bar is too narrow for them. */}
        <Link href="/teams" className="small menu-narrow-only" onClick={() => setOpen(false)}>
          Teams
        </Link>
        {isInstanceAdmin && (
          <Link href="/admin" className="small menu-narrow-only" onClick={() => setOpen(false)}>
            Admin
          </Link>
        )}
        <Link href="/account" className="small" onClick={() => setOpen(false)}>
          Account
        </Link>
        <Link href="/settings/tokens" className="small" onClick={() => setOpen(false)}>
          API tokens
        </Link>
        <ThemeToggle initial={theme} />
        {notifications !== "unsupported" && (
          <label className="notify-toggle small" title="A browser notification when a permission waits or a turn ends while this tab is hidden">
            <input
              type="checkbox"
              checked={notifyEnabled && notifications !== "denied"}
              disabled={notifications === "denied"}
              onChange={(event) => setNotifyEnabled(event.target.checked)}
              data-testid="notify-toggle"
            />
            {notifications === "denied" ? "Notifications blocked" : "Notify me"}
          </label>
        )}
        <SignOutButton />
      </div>
    </div>
  );
}
