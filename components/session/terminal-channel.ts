"use client";

import { apiFetch } from "@/components/api-client";

/** How the Terminal tab talks to one terminal, whichever way it reaches it. */
export interface TerminalChannel {
  type(data: string): void;
  resize(cols: number, rows: number): void;
  close(): void;
}

/**
 * The terminal's WebSocket (a single-use ticket, then …/socket): keystrokes and output on one
 * connection, authenticated once. When the socket cannot be had (refused, or a proxy in between
 * that does not pass upgrades), the event stream and a request per keystroke, as before. Output
 * chunks carry their sequence number: a reconnect, and the switch to the stream, resume after the
 * last one shown.
 */
export function openTerminalChannel({ base, onOutput, onEnd }: { base: string; onOutput: (base64: string) => void; onEnd: () => void }): TerminalChannel {
  let last = 0;
  let closed = false;
  let socket: WebSocket | null = null;
  let stream: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const output = (seq: number, data: string) => {
    if (seq <= last) return;
    last = seq;
    onOutput(data);
  };
  const end = () => {
    if (closed) return;
    closed = true;
    socket?.close();
    stream?.close();
    onEnd();
  };

  const followStream = () => {
    if (closed || stream) return;
    // EventSource resumes after the last chunk by itself (Last-Event-ID); its first connect starts
    // from the beginning, and what the socket already showed is skipped by its sequence number.
    stream = new EventSource(`${base}/stream`);
    stream.addEventListener("output", (event) => output(Number((event as MessageEvent<string>).lastEventId), (event as MessageEvent<string>).data));
    stream.addEventListener("end", end);
  };

  const connectSocket = async () => {
    const ticket = await apiFetch<{ url: string }>(`${base}/socket-ticket`, { method: "POST" });
    if (closed) return;
    if (!ticket.ok) return followStream();
    const opening = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${ticket.data.url}&since=${last}`);
    let opened = false;
    opening.onopen = () => {
      opened = true;
      socket = opening;
    };
    opening.onmessage = (event: MessageEvent<string>) => {
      const frame = JSON.parse(event.data) as { type: string; seq?: number; data?: string };
      if (frame.type === "output") output(frame.seq ?? 0, frame.data ?? "");
      if (frame.type === "end") end();
    };
    opening.onclose = () => {
      socket = null;
      if (closed) return;
      // A socket that never opened will not open next time either; one that dropped comes back.
      if (!opened) followStream();
      else retry = setTimeout(() => void connectSocket(), 1000);
    };
  };
  void connectSocket();

  // Without the socket, a keystroke goes at once as a request; what is typed while one is on its
  // way goes in the next one, in order.
  let pending = "";
  let sending = false;
  const post = async () => {
    sending = true;
    while (pending) {
      const data = pending;
      pending = "";
      await apiFetch(`${base}/input`, { method: "POST", body: { data } });
    }
    sending = false;
  };

  return {
    type(data) {
      if (socket?.readyState === WebSocket.OPEN && !sending) return socket.send(JSON.stringify({ type: "input", data }));
      pending += data;
      if (!sending) void post();
    },
    resize(cols, rows) {
      if (socket?.readyState === WebSocket.OPEN) return socket.send(JSON.stringify({ type: "resize", cols, rows }));
      void apiFetch(`${base}/resize`, { method: "POST", body: { cols, rows } });
    },
    close() {
      closed = true;
      clearTimeout(retry);
      socket?.close();
      stream?.close();
    },
  };
}
