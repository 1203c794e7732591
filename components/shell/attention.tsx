"use client";

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { AttentionSnapshotJson, InboxItemJson, SessionChangeJson } from "@/lib/contract/permissions";

// The "needs you" state of the whole app, from one EventSource on /api/permissions/stream: the count
// and oldest pending permissions of my teams, and the sessions whose status changed. It also keeps
// the tab title's count and sends the opt-in browser notifications while the tab is hidden.

export type SessionChange = SessionChangeJson;

interface Attention {
  count: number;
  items: InboxItemJson[];
  /** Every status change seen, newest last (consumers keep their own position). */
  changes: SessionChange[];
  /** Counts the times changes may have been missed: lists re-read when it moves. */
  resyncs: number;
  connected: boolean;
  notifications: NotificationPermission | "unsupported";
  notifyEnabled: boolean;
  setNotifyEnabled(enabled: boolean): void;
  /** The session page tells which session is open: its turn ends are worth a notification. */
  watchSession(sessionId: string | null): void;
}

const AttentionContext = createContext<Attention | null>(null);
const NOTIFY_KEY = "portal-notify";
const COUNT_PREFIX = /^\(\d+\) /;

export function useAttention() {
  const value = useContext(AttentionContext);
  if (!value) throw new Error("useAttention outside AttentionProvider");
  return value;
}

/** `renderedAt`: when the page's data was read; the feed brings what changed since (see attentionStream). */
export function AttentionProvider({ renderedAt, children }: { renderedAt: number; children: React.ReactNode }) {
  const [count, setCount] = useState(0);
  const [items, setItems] = useState<InboxItemJson[]>([]);
  const [changes, setChanges] = useState<SessionChange[]>([]);
  const [resyncs, setResyncs] = useState(0);
  const since = useRef(renderedAt);
  const [connected, setConnected] = useState(false);
  const [notifications, setNotifications] = useState<NotificationPermission | "unsupported">("default");
  const [notifyEnabled, setNotifyEnabledState] = useState(false);
  const seenPermissions = useRef<Set<string> | null>(null);
  const watched = useRef<string | null>(null);
  const lastStatus = useRef(new Map<string, string>());
  const notifyRef = useRef(false);
  notifyRef.current = notifyEnabled && notifications === "granted";

  useEffect(() => {
    if (typeof Notification === "undefined") setNotifications("unsupported");
    else setNotifications(Notification.permission);
    setNotifyEnabledState(localStorage.getItem(NOTIFY_KEY) === "1");
  }, []);

  useEffect(() => {
    const source = new EventSource(`/api/permissions/stream?since=${since.current}`);
    source.addEventListener("open", () => setConnected(true));
    source.addEventListener("error", () => setConnected(false));
    source.addEventListener("attention", (message) => {
      const snapshot = JSON.parse((message as MessageEvent<string>).data) as AttentionSnapshotJson;
      setCount(snapshot.count);
      setItems(snapshot.items);
      if (snapshot.sessions.length > 0) setChanges((previous) => [...previous.slice(-200), ...snapshot.sessions]);
      if (snapshot.resync) setResyncs((previous) => previous + 1);
      const hidden = document.visibilityState === "hidden";
      // The first snapshot is what already waited when the page opened: nothing to announce.
      const seen = seenPermissions.current;
      if (seen && hidden && notifyRef.current) {
        for (const item of snapshot.items.filter((candidate) => !seen.has(candidate.id))) {
          notify(
            `Needs you: ${item.toolCall.title || "a tool call"}`,
            `${item.sessionTitle} is waiting for a permission.`,
            `/sessions/${item.sessionId}`,
            item.id,
          );
        }
      }
      seenPermissions.current = new Set([...(seen ?? []), ...snapshot.items.map((item) => item.id)]);
      for (const session of snapshot.sessions) {
        const before = lastStatus.current.get(session.id);
        lastStatus.current.set(session.id, session.status);
        if (
          hidden &&
          notifyRef.current &&
          session.id === watched.current &&
          (before === "running" || before === "awaiting_input") &&
          session.status === "idle"
        ) {
          notify(
            `Turn ended: ${session.title}`,
            "The agent finished and is ready for the next prompt.",
            `/sessions/${session.id}`,
            `turn-${session.id}-${session.updatedAt}`,
          );
        }
      }
    });
    return () => source.close();
  }, []);

  // The tab title carries the count; Next sets titles on navigation, so re-apply when it does.
  useEffect(() => {
    const apply = () => {
      const base = document.title.replace(COUNT_PREFIX, "");
      const wanted = count > 0 ? `(${count}) ${base}` : base;
      if (document.title !== wanted) document.title = wanted;
    };
    apply();
    const observer = new MutationObserver(apply);
    observer.observe(document.head, { subtree: true, childList: true, characterData: true });
    return () => observer.disconnect();
  }, [count]);

  const setNotifyEnabled = useCallback(async (enabled: boolean) => {
    if (enabled && typeof Notification !== "undefined" && Notification.permission === "default") {
      setNotifications(await Notification.requestPermission());
    }
    localStorage.setItem(NOTIFY_KEY, enabled ? "1" : "0");
    setNotifyEnabledState(enabled);
  }, []);
  const watchSession = useCallback((sessionId: string | null) => {
    watched.current = sessionId;
  }, []);

  const value = useMemo(
    () => ({
      count,
      items,
      changes,
      resyncs,
      connected,
      notifications,
      notifyEnabled,
      setNotifyEnabled: (enabled: boolean) => void setNotifyEnabled(enabled),
      watchSession,
    }),
    [count, items, changes, resyncs, connected, notifications, notifyEnabled, setNotifyEnabled, watchSession],
  );
  return <AttentionContext.Provider value={value}>{children}</AttentionContext.Provider>;
}

function notify(title: string, body: string, url: string, tag: string) {
  const notification = new Notification(title, { body, tag, icon: "/icon.svg" });
  notification.onclick = () => {
    window.focus();
    window.location.assign(url);
  };
}

/** The top bar's link to the inbox, with the count of permissions that wait. */
export function InboxLink() {
  const { count } = useAttention();
  return (
    <span className="inbox-link-inner">
      Inbox
      {count > 0 && (
        <span className="count-badge" data-testid="needs-you-count" aria-label={`${count} waiting for an answer`}>
          {count > 99 ? "99+" : count}
        </span>
      )}
    </span>
  );
}
