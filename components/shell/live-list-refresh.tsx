"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { useAttention } from "@/components/shell/attention";

/**
 * Keeps a server-rendered session list live: a session created, archived, destroyed or changed in
 * one of the listed teams (on any instance, through the "needs you" feed) re-reads the page's data.
 */
export function LiveListRefresh({ teamId, shown }: { teamId: string | null; shown: Record<string, string> }) {
  const router = useRouter();
  const { changes, resyncs } = useAttention();
  const applied = useRef(changes.length);
  const resynced = useRef(resyncs);
  const shownRef = useRef(shown);
  shownRef.current = shown;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    const fresh = changes.slice(applied.current);
    applied.current = changes.length;
    const missed = resynced.current !== resyncs;
    resynced.current = resyncs;
    const relevant =
      missed ||
      fresh.some(
        (change) =>
          (teamId === null || change.teamId === teamId) && shownRef.current[change.id] !== `${change.status}|${change.archivedAt ?? ""}|${change.title}`,
      );
    if (!relevant || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      router.refresh();
    }, 50);
  }, [changes, resyncs, teamId, router]);

  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  return null;
}
