"use client";

import { useCallback, useRef, useState } from "react";
import { useDismiss } from "@/components/ui/use-dismiss";
import type { SessionDetailJson } from "@/lib/contract/sessions";

type Act = (url: string, method: string, body?: unknown) => Promise<boolean>;

/** Rename, archive, copy link and the raw event stream, behind one "More" menu. */
export function SessionActions({
  session,
  canWrite,
  act,
  onRenamed,
  onRawStream,
}: {
  session: SessionDetailJson;
  canWrite: boolean;
  act: Act;
  onRenamed: (title: string) => void;
  onRawStream: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [renaming, setRenaming] = useState(false);
  // What the copy button says for a moment after a click: copied, or why not (no clipboard access).
  const [copyNote, setCopyNote] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const base = `/api/sessions/${session.id}`;

  useDismiss(
    open,
    root,
    useCallback(() => setOpen(false), []),
  );

  if (renaming) {
    return (
      <form
        className="rename-form"
        onSubmit={async (event) => {
          event.preventDefault();
          const title = String(new FormData(event.currentTarget).get("title") ?? "").trim();
          if (!title) return;
          if (await act(base, "PATCH", { title })) {
            onRenamed(title);
            setRenaming(false);
          }
        }}
      >
        <input name="title" defaultValue={session.title} maxLength={200} aria-label="Session title" autoFocus data-testid="rename-input" />
        <button type="submit" className="button small primary" data-testid="rename-save">
          Save
        </button>
        <button type="button" className="button small ghost" onClick={() => setRenaming(false)}>
          Cancel
        </button>
      </form>
    );
  }

  return (
    <div className="menu" ref={root}>
      <button
        type="button"
        className="button small ghost"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        data-testid="session-actions"
      >
        More<span aria-hidden> ▾</span>
      </button>
      {open && (
        <div className="menu-panel" role="menu">
          {canWrite && session.status !== "destroyed" && (
            <button type="button" role="menuitem" onClick={() => (setOpen(false), setRenaming(true))} data-testid="rename-session">
              Rename
            </button>
          )}
          {canWrite && (
            <button
              type="button"
              role="menuitem"
              onClick={async () => {
                setOpen(false);
                await act(base, "PATCH", { archived: !session.archivedAt });
              }}
              data-testid="archive-session"
            >
              {session.archivedAt ? "Unarchive" : "Archive"}
            </button>
          )}
          <button
            type="button"
            role="menuitem"
            onClick={async () => {
              const copied = await (navigator.clipboard?.writeText(`${window.location.origin}/sessions/${session.id}`).then(
                () => true,
                () => false,
              ) ?? false);
              setCopyNote(copied ? "Link copied" : "Could not copy: the browser refused");
              setTimeout(() => setCopyNote(null), 1_500);
            }}
            data-testid="copy-link"
          >
            {copyNote ?? "Copy link"}
          </button>
          <a role="menuitem" href={`/sessions/${session.id}?view=all`} className="menu-link">
            Whole history on one page
          </a>
          <button type="button" role="menuitem" onClick={() => (setOpen(false), onRawStream())} data-testid="open-raw-stream">
            Raw event stream
          </button>
        </div>
      )}
    </div>
  );
}
