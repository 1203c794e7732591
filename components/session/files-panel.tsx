"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "@/components/api-client";
import type { WorkspaceEntryJson } from "@/lib/contract/sandboxes";

type Entry = WorkspaceEntryJson;

const PREVIEW_BYTES = 64 * 1024;
const MAX_FOLDERS_CHECKED = 20;
const folderOf = (file: string) => (file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : ".");

/**
 * The sandbox's workspace, as its own runtime sees it: browse folders, read a file. Files this
 * session's tool calls changed (and the folders holding them) are marked; both the listing and the
 * marks are read again whenever a turn ends (`status` leaves "running").
 */
export function FilesPanel({ sandboxId, sessionId, status, canWrite }: { sandboxId: string; sessionId: string; status: string; canWrite: boolean }) {
  const [dir, setDir] = useState(".");
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [changed, setChanged] = useState<Set<string>>(new Set());
  /** Changed paths that are no longer in the workspace (deleted, or never written). */
  const [gone, setGone] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [file, setFile] = useState<{ path: string; text: string } | null>(null);

  const list = useCallback((path: string) => apiFetch<{ items: Entry[] }>(`/api/sandboxes/${sandboxId}/files?path=${encodeURIComponent(path)}`), [sandboxId]);

  const load = useCallback(
    async (path: string) => {
      setError(null);
      const [result, marks] = await Promise.all([list(path), apiFetch<{ items: Array<{ path: string }> }>(`/api/sessions/${sessionId}/changed-files`)]);
      if (result.ok) setEntries(result.data.items);
      else setError(result.status === 503 ? "The sandbox is not running; its files show again once it starts." : result.error);
      if (!marks.ok || !result.ok) return;
      // "Changed" marks only files that are there: each changed file's folder is read to see.
      const paths = marks.data.items.map((item) => item.path);
      const folders = [...new Set(paths.map(folderOf))].slice(0, MAX_FOLDERS_CHECKED);
      const listings = await Promise.all(folders.map((folder) => (folder === path ? Promise.resolve(result) : list(folder))));
      const present = new Set<string>();
      const unknown = new Set<string>();
      listings.forEach((listing, i) => {
        if (listing.ok) for (const entry of listing.data.items) present.add(entry.path);
        else if (listing.status !== 404) unknown.add(folders[i]!);
      });
      // A folder that could not be read (beyond the checked ones too) says nothing about its files: they stay marked.
      const exists = (file: string) => present.has(file) || unknown.has(folderOf(file)) || !folders.includes(folderOf(file));
      setChanged(new Set(paths.filter(exists)));
      setGone(paths.filter((file) => !exists(file)));
    },
    [list, sessionId],
  );

  const turnRunning = status === "running";
  useEffect(() => {
    if (!turnRunning) void load(dir);
  }, [dir, load, turnRunning]);

  const isChanged = (entry: Entry) => (entry.type === "file" ? changed.has(entry.path) : [...changed].some((path) => path.startsWith(`${entry.path}/`)));

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
      <p className="muted small">/workspace{dir === "." ? "" : `/${dir}`}</p>
      {changed.size > 0 && (
        <p className="small muted" data-testid="files-changed-count">
          <span className="file-changed-mark" aria-hidden>
            ●
          </span>{" "}
          {changed.size === 1 ? "1 file" : `${changed.size} files`} changed by this session
        </p>
      )}
      {gone.length > 0 && (
        <ul className="files-gone small muted" data-testid="files-gone">
          {gone.map((file) => (
            <li key={file} data-testid="file-gone">
              <span className="file-gone-name">{file}</span> · deleted (or never written)
            </li>
          ))}
        </ul>
      )}
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
          <li key={entry.path} data-changed={isChanged(entry) || undefined}>
            <button type="button" className="link-button" onClick={() => void open(entry)} data-testid="file-entry">
              {entry.type === "dir" ? `${entry.name}/` : entry.name}
            </button>
            {isChanged(entry) && (
              <span
                className="file-changed-mark"
                data-testid="file-changed"
                title={entry.type === "dir" ? "Holds files this session changed" : "Changed by this session"}
              >
                {" "}
                ● <span className="sr-only">changed by this session</span>
              </span>
            )}
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
