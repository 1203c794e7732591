"use client";

import { createContext, useContext, useEffect, useState } from "react";

function describe(iso: string, now: number) {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(iso).toISOString().slice(0, 10);
}

// The time the server rendered the page at: server and browser describe times against the same
// moment, so "11 min ago" is what the page shows from its first paint (no flip after hydration).
const RenderTime = createContext<number | null>(null);

export function RenderTimeProvider({ now, children }: { now: number; children: React.ReactNode }) {
  return <RenderTime.Provider value={now}>{children}</RenderTime.Provider>;
}

export function RelativeTime({ iso }: { iso: string }) {
  const renderedAt = useContext(RenderTime);
  const [now, setNow] = useState<number | null>(renderedAt);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <time dateTime={iso} title={new Date(iso).toISOString().slice(0, 16).replace("T", " ")}>
      {now === null ? iso.slice(0, 16).replace("T", " ") : describe(iso, now)}
    </time>
  );
}
