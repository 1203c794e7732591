"use client";

import { Transcript } from "@/components/session/transcript";
import { useSessionStream } from "@/components/session/use-session-stream";

// A session seen through a share link: its transcript, history and live, read-only. No composer,
// no answers to permissions, no raw events, no files: the link's API serves redacted events only.

const LIVE_LABEL: Record<string, string> = {
  loading: "Loading…",
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  ended: "Link ended",
};

export function SharedTranscript({ token, sessionId, eventCount, agentName }: { token: string; sessionId: string; eventCount: number; agentName: string }) {
  const stream = useSessionStream(sessionId, { eventCount, apiBase: `/api/share/${token}` });
  const loading = stream.connection === "loading";
  return (
    <>
      <p className="muted small share-live" data-testid="share-connection" data-state={stream.connection} role="status">
        {stream.connection === "ended" ? "This link was revoked or has expired." : LIVE_LABEL[stream.connection]}
      </p>
      <Transcript
        items={stream.items}
        loading={loading}
        running={stream.liveStatus === "running"}
        pendingCount={stream.pendingCount}
        openMessageKey={stream.openMessageKey}
        agentName={agentName}
        canAnswer={false}
        onAnswer={async () => false}
        people={{}}
        firstItemIndex={stream.firstItemIndex}
        hasOlder={stream.firstIndex > 1}
        loadingOlder={stream.loadingOlder}
        onLoadOlder={stream.loadOlder}
        empty={<p className="muted">Nothing in this session yet.</p>}
      />
    </>
  );
}
