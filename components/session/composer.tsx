"use client";

import { useState } from "react";

export function Composer({ running, restorable, onSend, onStop }: { running: boolean; restorable: boolean; onSend: (text: string) => Promise<boolean>; onStop: () => Promise<boolean> }) {
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);

  async function send() {
    if (!text.trim() || running || sending) return;
    setSending(true);
    const ok = await onSend(text);
    setSending(false);
    if (ok) setText("");
  }

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <textarea
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            void send();
          }
        }}
        placeholder={restorable ? "Send a prompt to restore this session and continue…" : "Message the agent — try /tool, /markdown or /stream 200"}
        rows={3}
        data-testid="composer-input"
      />
      <div className="composer-actions">
        <span className="muted small">Enter to send · Shift+Enter for a new line</span>
        {running ? (
          <button type="button" className="button danger" onClick={() => void onStop()} data-testid="stop-turn">
            Stop
          </button>
        ) : (
          <button type="submit" className="button primary" disabled={!text.trim() || sending} data-testid="composer-send">
            {sending ? "Sending…" : restorable ? "Restore & send" : "Send"}
          </button>
        )}
      </div>
    </form>
  );
}
