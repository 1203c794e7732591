"use client";

import { useState } from "react";
import { THEME_COOKIE, type Theme } from "@/lib/theme";

const NEXT: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
const LABEL: Record<Theme, string> = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" };
const ICON: Record<Theme, string> = { system: "◐", light: "☀", dark: "☾" };

/** Cycles system → light → dark; the cookie makes the server paint the next page in the same theme. */
export function ThemeToggle({ initial }: { initial: Theme }) {
  const [theme, setTheme] = useState(initial);
  return (
    <button
      type="button"
      className="button ghost small theme-toggle"
      onClick={() => {
        const next = NEXT[theme];
        setTheme(next);
        document.cookie = `${THEME_COOKIE}=${next}; path=/; max-age=31536000; samesite=lax`;
        if (next === "system") delete document.documentElement.dataset.theme;
        else document.documentElement.dataset.theme = next;
      }}
      aria-label={`${LABEL[theme]} (change)`}
      title={LABEL[theme]}
      data-testid="theme-toggle"
      data-theme-choice={theme}
    >
      <span aria-hidden>{ICON[theme]}</span>
      <span className="theme-toggle-label">{LABEL[theme]}</span>
    </button>
  );
}
