// The theme a person chose, kept in a cookie the server reads, so the page is painted right with no script.

export const THEME_COOKIE = "portal-theme";
export const THEMES = ["system", "light", "dark"] as const;
export type Theme = (typeof THEMES)[number];

export function parseTheme(value: string | undefined): Theme {
  return THEMES.includes(value as Theme) ? (value as Theme) : "system";
}
