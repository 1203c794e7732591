"use client";

import { memo, useId, useMemo, useState } from "react";
import type { AgentCommand } from "@/components/session/transcript-model";

interface ComposerProps {
  running: boolean;
  /** The turn waits on a permission this person can answer: the hint points at it, not at "working". */
  waiting?: boolean;
  restorable: boolean;
  offline: boolean;
  /** The slash commands the agent announced: typing "/" offers them. */
  commands?: AgentCommand[];
  onSend: (text: string) => Promise<boolean>;
  onStop: () => Promise<boolean>;
}

const MAX_SUGGESTIONS = 8;

export const Composer = memo(function Composer({ running, waiting = false, restorable, offline, commands = [], onSend, onStop }: ComposerProps) {
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const [stopping, setStopping] = useState(false);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const listId = useId();
  const canSend = text.trim().length > 0 && !running && !sending && !offline;

  // "/re" → the agent's commands starting with "re", while the command's name is being typed.
  const suggestions = useMemo(() => {
    const match = /^\/(\S*)$/.exec(text);
    if (!match || commands.length === 0 || dismissed === text) return [];
    const typed = match[1]!.toLowerCase();
    return commands.filter((command) => command.name.toLowerCase().startsWith(typed)).slice(0, MAX_SUGGESTIONS);
  }, [text, commands, dismissed]);
  const open = suggestions.length > 0;
  const current = open ? Math.min(active, suggestions.length - 1) : -1;

  async function send() {
    if (!canSend) return;
    const sent = text;
    // The box clears at once (the message shows in the transcript as sent); a failure puts it back.
    setText("");
    setSending(true);
    const ok = await onSend(sent);
    setSending(false);
    if (!ok) setText((now) => (now === "" ? sent : now));
  }

  function pick(command: AgentCommand) {
    setText(`/${command.name} `);
    setActive(0);
  }

  async function stop() {
    setStopping(true);
    await onStop();
    setStopping(false);
  }

  const hint = offline
    ? "Offline: prompts can be sent again when the connection is back."
    : running
      ? waiting
        ? "The agent is waiting for your answer to the permission above. Stop ends the turn."
        : "The agent is working. Stop it, or wait for the turn to end."
      : commands.length > 0
        ? "Enter to send · Shift+Enter for a new line · / for commands"
        : "Enter to send · Shift+Enter for a new line";

  return (
    <form
      className={`composer${running ? " busy" : ""}`}
      data-testid="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      {open && (
        <ul className="command-list" id={listId} role="listbox" aria-label="Agent commands" data-testid="command-list">
          {suggestions.map((command, i) => (
            <li
              key={command.name}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === current}
              className={`command-option${i === current ? " active" : ""}`}
              onMouseDown={(event) => {
                event.preventDefault();
                pick(command);
              }}
              data-testid="command-option"
            >
              <span className="command-name">/{command.name}</span>
              {command.hint && <span className="command-hint muted">{command.hint}</span>}
              <span className="command-description muted small">{command.description}</span>
            </li>
          ))}
        </ul>
      )}
      <textarea
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          setActive(0);
        }}
        onKeyDown={(event) => {
          if (open) {
            if (event.key === "ArrowDown" || event.key === "ArrowUp") {
              event.preventDefault();
              setActive((current + (event.key === "ArrowDown" ? 1 : suggestions.length - 1)) % suggestions.length);
              return;
            }
            if ((event.key === "Tab" || event.key === "Enter") && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              pick(suggestions[current]!);
              return;
            }
            if (event.key === "Escape") {
              event.preventDefault();
              setDismissed(text);
              return;
            }
          }
          if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            void send();
          }
        }}
        placeholder={restorable ? "Send a prompt to restore this session and continue…" : "Message the agent…"}
        aria-label="Prompt"
        rows={2}
        data-testid="composer-input"
        role={commands.length > 0 ? "combobox" : undefined}
        aria-autocomplete={commands.length > 0 ? "list" : undefined}
        aria-expanded={commands.length > 0 ? open : undefined}
        aria-controls={open ? listId : undefined}
        aria-activedescendant={open ? `${listId}-${current}` : undefined}
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
