"use client";

import { memo, useState } from "react";

interface ComposerProps {
  running: boolean;
  restorable: boolean;
  offline: boolean;
  onSend: (text: string) => Promise<boolean>;
  onStop: () => Promise<boolean>;
}

export const Composer = memo(function Composer({ running, restorable, offline, onSend, onStop }: ComposerProps) {
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const [stopping, setStopping] = useState(false);
  const canSend = text.trim().length > 0 && !running && !sending && !offline;

  async function send() {
    if (!canSend) return;
    setSending(true);
    const ok = await onSend(text);
    setSending(false);
    if (ok) setText("");
  }

  async function stop() {
    setStopping(true);
    await onStop();
    setStopping(false);
  }

  const hint = offline ? "Offline: prompts can be sent again when the connection is back." : running ? "The agent is working. Stop it, or wait for the turn to end." : "Enter to send · Shift+Enter for a new line";

  return (
    <form
      className={`composer${running ? " busy" : ""}`}
      data-testid="composer"
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
        placeholder={restorable ? "Send a prompt to restore this session and continue…" : "Message the agent…"}
        aria-label="Prompt"
        rows={2}
        data-testid="composer-input"
      />
      <div className="composer-actions">
        <span className="muted small">{hint}</span>
        {running ? (
          <button type="button" className="button danger-outline" disabled={stopping} onClick={() => void stop()} data-testid="stop-turn">
            <span className="stop-square" aria-hidden />
            {stopping ? "Stopping…" : "Stop"}
          </button>
        ) : (
          <button type="submit" className="button primary" disabled={!canSend} data-testid="composer-send">
            {sending ? "Sending…" : restorable ? "Restore & send" : "Send"}
          </button>
        )}
      </div>
    </form>
  );
});
