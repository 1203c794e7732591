"use client";

import "@xterm/xterm/css/xterm.css";
import { useCallback, useEffect, useRef, useState } from "react";
import { apiFetch } from "@/components/api-client";
import { openTerminalChannel } from "@/components/session/terminal-channel";

interface TerminalInfo {
  id: string;
  openedByName: string | null;
  openedAt: string;
}

/**
 * A shell in the session's sandbox (xterm.js), through the portal: keystrokes, size and output on
 * the terminal's WebSocket (or its event stream and requests). A reload reattaches to the open terminal; viewers watch
 * and cannot type; it ends with its shell or its sandbox.
 */
export function TerminalPanel({ sandboxId, canWrite }: { sandboxId: string; canWrite: boolean }) {
  const [terminal, setTerminal] = useState<TerminalInfo | null>(null);
  const [ended, setEnded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const find = useCallback(async () => {
    const result = await apiFetch<{ items: TerminalInfo[] }>(`/api/sandboxes/${sandboxId}/terminals`);
    if (result.ok) setTerminal(result.data.items.at(-1) ?? null);
  }, [sandboxId]);

  useEffect(() => {
    void find();
  }, [find]);

  async function openOne() {
    setBusy(true);
    setError(null);
    const result = await apiFetch<{ id: string; openedAt: string }>(`/api/sandboxes/${sandboxId}/terminals`, { method: "POST", body: {} });
    setBusy(false);
    if (!result.ok) return setError(result.error);
    setEnded(false);
    setTerminal({ id: result.data.id, openedAt: result.data.openedAt, openedByName: null });
  }

  async function closeIt() {
    if (!terminal) return;
    await apiFetch(`/api/sandboxes/${sandboxId}/terminals/${terminal.id}`, { method: "DELETE" });
    setEnded(true);
  }

  return (
    <section className="side-section terminal-panel" data-testid="terminal-panel" aria-label="Terminal">
      <div className="files-header">
        <h3>Terminal</h3>
        {terminal && !ended && canWrite && (
          <button type="button" className="button ghost small" onClick={() => void closeIt()} data-testid="terminal-close">
            Close
          </button>
        )}
      </div>
      {error && <p className="small danger-text">{error}</p>}
      {terminal && !ended ? (
        <>
          {!canWrite && (
            <p className="muted small">You are watching{terminal.openedByName ? ` ${terminal.openedByName}'s terminal` : ""}; viewers cannot type.</p>
          )}
          <TerminalView key={terminal.id} sandboxId={sandboxId} terminalId={terminal.id} canWrite={canWrite} onEnd={() => setEnded(true)} />
        </>
      ) : (
        <>
          {ended && (
            <p className="muted small" data-testid="terminal-ended">
              The terminal has ended.
            </p>
          )}
          {canWrite ? (
            <button type="button" className="button small" onClick={() => void openOne()} disabled={busy} data-testid="terminal-open">
              {busy ? "Opening…" : "Open a terminal"}
            </button>
          ) : (
            <p className="muted small">No terminal is open in this sandbox.</p>
          )}
        </>
      )}
    </section>
  );
}

function TerminalView({ sandboxId, terminalId, canWrite, onEnd }: { sandboxId: string; terminalId: string; canWrite: boolean; onEnd: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  // The parent's callback changes every render; the terminal must not be rebuilt for it.
  const ended = useRef(onEnd);
  ended.current = onEnd;

  useEffect(() => {
    let disposed = false;
    const cleanups: Array<() => void> = [];
    void (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit")]);
      if (disposed || !host.current) return;
      const style = getComputedStyle(document.documentElement);
      const term = new Terminal({
        convertEol: false,
        cursorBlink: canWrite,
        disableStdin: !canWrite,
        fontFamily: style.getPropertyValue("--font-mono") || "monospace",
        fontSize: 13,
        scrollback: 5000,
        theme: { background: "#0a0a0c", foreground: "#e4e4e7" },
      });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(host.current);
      cleanups.push(() => term.dispose());
      const decoder = new TextDecoder();
      const channel = openTerminalChannel({
        base: `/api/sandboxes/${sandboxId}/terminals/${terminalId}`,
        onOutput: (data) =>
          term.write(
            decoder.decode(
              Uint8Array.from(atob(data), (char) => char.charCodeAt(0)),
              { stream: true },
            ),
          ),
        onEnd: () => ended.current(),
      });
      cleanups.push(() => channel.close());
      if (canWrite) {
        const input = term.onData((data) => channel.type(data));
        cleanups.push(() => input.dispose());
        term.focus();
      }

      // Size: the terminal follows its box; the shell is told after the resizing settles.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const resize = () => {
        fit.fit();
        if (!canWrite) return;
        clearTimeout(timer);
        timer = setTimeout(() => channel.resize(term.cols, term.rows), 150);
      };
      const observer = new ResizeObserver(resize);
      observer.observe(host.current);
      cleanups.push(() => observer.disconnect());
      resize();
    })();
    return () => {
      disposed = true;
      for (const cleanup of cleanups.reverse()) cleanup();
    };
  }, [sandboxId, terminalId, canWrite]);

  return <div className="terminal-host" ref={host} data-testid="terminal" role="application" aria-label="Terminal in the sandbox" />;
}
