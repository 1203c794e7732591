"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "@/components/api-client";
import type { WorkspaceEntryJson } from "@/lib/contract/sandboxes";

type Entry = WorkspaceEntryJson;

const PREVIEW_BYTES = 64 * 1024;

/** The sandbox's workspace, as its own runtime sees it: browse folders, read a file. */
export function FilesPanel({ sandboxId, canWrite }: { sandboxId: string; canWrite: boolean }) {
  const [dir, setDir] = useState(".");
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [file, setFile] = useState<{ path: string; text: string } | null>(null);

  const load = useCallback(async (path: string) => {
    setError(null);
    const result = await apiFetch<{ items: Entry[] }>(`/api/sandboxes/${sandboxId}/files?path=${encodeURIComponent(path)}`);
    if (result.ok) setEntries(result.data.items);
    else setError(result.status === 503 ? "The sandbox is not running; its files show again once it starts." : result.error);
  }, [sandboxId]);

  useEffect(() => {
    void load(dir);
  }, [dir, load]);

  async function open(entry: Entry) {
    if (entry.type === "dir") {
      setFile(null);
      setDir(entry.path);
      return;
    }
    const response = await fetch(`/api/sandboxes/${sandboxId}/files/content?path=${encodeURIComponent(entry.path)}`);
    if (!response.ok) {
      setError(response.status === 413 ? `${entry.name} is too large to show here.` : `${entry.name} could not be read.`);
      return;
    }
    const text = new TextDecoder().decode((await response.arrayBuffer()).slice(0, PREVIEW_BYTES));
    setFile({ path: entry.path, text });
  }

  const parent = dir === "." ? null : dir.split("/").slice(0, -1).join("/") || ".";
  return (
    <section className="side-section files-panel" data-testid="files-panel" aria-label="Files">
      <div className="files-header">
        <h3>Files</h3>
        <button type="button" className="button ghost small" onClick={() => void load(dir)} data-testid="files-refresh">
          Refresh
        </button>
      </div>
      <p className="muted small">
        /workspace{dir === "." ? "" : `/${dir}`}
      </p>
      {error && <p className="small danger-text">{error}</p>}
      <ul className="files-list">
        {parent !== null && (
          <li>
            <button type="button" className="link-button" onClick={() => setDir(parent)}>
              ..
            </button>
          </li>
        )}
        {entries?.length === 0 && <li className="muted small">This folder is empty.</li>}
        {entries?.map((entry) => (
          <li key={entry.path}>
            <button type="button" className="link-button" onClick={() => void open(entry)} data-testid="file-entry">
              {entry.type === "dir" ? `${entry.name}/` : entry.name}
            </button>
            {entry.type === "file" && <span className="muted small"> {entry.size} B</span>}
          </li>
        ))}
      </ul>
      {file && (
        <figure className="file-view">
          <figcaption className="small muted">{file.path}</figcaption>
          <pre tabIndex={0} data-testid="file-content">
            {file.text}
          </pre>
        </figure>
      )}
      {canWrite && (
        <Link className="button small" href={`/sessions/new?sandboxId=${sandboxId}`} data-testid="new-session-in-sandbox">
          New session in this sandbox
        </Link>
      )}
    </section>
  );
}
