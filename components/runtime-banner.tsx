"use client";

import { useEffect, useState } from "react";

type Health = { status: string; db: string; runtime: string; runtimeLosses?: { recovering: number } };

// A quiet banner while the database or the runtime is away; polls /api/health.
export function RuntimeBanner() {
  const [health, setHealth] = useState<Health | null>(null);
  useEffect(() => {
    let stopped = false;
    const check = async () => {
      try {
        const response = await fetch("/api/health", { cache: "no-store" });
        const body = (await response.json()) as Health;
        if (!stopped) setHealth(body);
      } catch {
        if (!stopped) setHealth({ status: "degraded", db: "down", runtime: "down" });
      }
    };
    void check();
    const timer = setInterval(() => void check(), 4_000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  if (!health || health.status === "ok") return null;
  const message =
    health.db !== "ok"
      ? "The database is unreachable. New events are held and will be saved when it is back."
      : health.runtime === "ok" && (health.runtimeLosses?.recovering ?? 0) > 0
        ? "A sandbox's runtime stopped unexpectedly and is restarting. Its sessions will be restorable in a moment."
        : health.runtime === "starting"
          ? "The agent runtime is restarting. Sessions will be restorable in a moment."
          : "The agent runtime is unreachable. History stays readable; prompts will work again when it is back.";
  return (
    <div className="banner warning" role="status" data-testid="runtime-banner">
      {message}
    </div>
  );
}
