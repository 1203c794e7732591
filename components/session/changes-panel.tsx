"use client";

import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "@/components/api-client";

interface ChangeItem {
  path: string;
  status: "added" | "modified" | "deleted" | "renamed";
  oldPath?: string;
  additions: number;
  deletions: number;
  binary: boolean;
}

interface ChangesJson {
  baseCommit: string;
  pushedCommit: string | null;
  against: "base" | "push";
  items: ChangeItem[];
}

const STATUS_MARK: Record<ChangeItem["status"], string> = { added: "A", modified: "M", deleted: "D", renamed: "R" };

/** A branch name from the session's title: agent/<words>. */
function branchFrom(title: string) {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `agent/${slug || "changes"}`;
}

/**
 * The workspace's changes against the commit it started from (or its last push), read again when a
 * turn ends: per file, with its diff on demand; the patch and the whole workspace to download; and,
 * for members, a push of the changes to a new branch.
 */
export function ChangesPanel({
  sandboxId,
  sessionId,
  title,
  status,
  canWrite,
}: {
  sandboxId: string;
  sessionId: string;
  title: string;
  status: string;
  canWrite: boolean;
}) {
  const [changes, setChanges] = useState<ChangesJson | null>(null);
  const [noRepository, setNoRepository] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [against, setAgainst] = useState<"base" | "push">("base");
  const [open, setOpen] = useState<{ path: string; text: string } | null>(null);

  const load = useCallback(async () => {
    setError(null);
    const result = await apiFetch<ChangesJson>(`/api/sandboxes/${sandboxId}/changes?against=${against}`);
    if (result.ok) {
      setChanges(result.data);
      setNoRepository(false);
    } else if (result.code === "no_repository") setNoRepository(true);
    else setError(result.error);
  }, [sandboxId, against]);

  const turnRunning = status === "running";
  useEffect(() => {
    if (!turnRunning) void load();
  }, [load, turnRunning]);

  async function openDiff(item: ChangeItem) {
    if (open?.path === item.path) return setOpen(null);
    const query = new URLSearchParams({ path: item.path, against, ...(item.oldPath ? { oldPath: item.oldPath } : {}) });
    const response = await fetch(`/api/sandboxes/${sandboxId}/changes/diff?${query}`);
    setOpen({ path: item.path, text: response.ok ? await response.text() : "The diff could not be read." });
  }

  return (
    <section className="side-section changes-panel" data-testid="changes-panel" aria-label="Changes">
      <div className="files-header">
        <h3>Changes</h3>
        <button type="button" className="button ghost small" onClick={() => void load()} data-testid="changes-refresh">
          Refresh
        </button>
      </div>
      {noRepository ? (
        <p className="muted small">This sandbox did not start from a repository, so there is no commit to compare with.</p>
      ) : (
        <>
          {changes?.pushedCommit && (
            <div className="segmented small" role="group" aria-label="Compare with">
              <button type="button" aria-pressed={against === "base"} onClick={() => setAgainst("base")}>
                Base commit
              </button>
              <button type="button" aria-pressed={against === "push"} onClick={() => setAgainst("push")}>
                Last push
              </button>
            </div>
          )}
          {changes && (
            <p className="muted small">
              {changes.items.length === 0 ? "No changes" : `${changes.items.length} file${changes.items.length === 1 ? "" : "s"} changed`} since{" "}
              <code>{(against === "push" && changes.pushedCommit ? changes.pushedCommit : changes.baseCommit).slice(0, 10)}</code>
            </p>
          )}
          {error && <p className="small danger-text">{error}</p>}
          <ul className="changes-list">
            {changes?.items.map((item) => (
              <li key={item.path}>
                <button
                  type="button"
                  className="change-row"
                  onClick={() => void openDiff(item)}
                  aria-expanded={open?.path === item.path}
                  data-testid="change-entry"
                >
                  <span className={`change-status change-${item.status}`} title={item.status}>
                    {STATUS_MARK[item.status]}
                    <span className="sr-only"> {item.status}</span>
                  </span>
                  <span className="change-path">{item.oldPath ? `${item.oldPath} → ${item.path}` : item.path}</span>
                  <span className="change-counts num">
                    {item.binary ? (
                      "binary"
                    ) : (
                      <>
                        <span className="diff-add-text">+{item.additions}</span> <span className="diff-del-text">−{item.deletions}</span>
                      </>
                    )}
                  </span>
                </button>
                {open?.path === item.path && <DiffView text={open.text} />}
              </li>
            ))}
          </ul>
          <div className="row wrap">
            <a className="button small ghost" href={`/api/sandboxes/${sandboxId}/changes.patch?against=${against}`} download data-testid="download-patch">
              Download patch
            </a>
          </div>
          {canWrite && changes && <PushForm sandboxId={sandboxId} sessionId={sessionId} title={title} onPushed={() => void load()} />}
        </>
      )}
      <a className="button small ghost" href={`/api/sandboxes/${sandboxId}/archive`} download data-testid="download-archive">
        Download workspace (.tar.gz)
      </a>
    </section>
  );
}

/** A unified diff, line by line: additions, deletions and hunk headers told apart by more than colour. */
function DiffView({ text }: { text: string }) {
  const lines = text.split("\n");
  if (text.trim() === "") return <p className="muted small">No textual difference.</p>;
  return (
    <pre className="diff-view" tabIndex={0} data-testid="diff-view">
      {lines.map((line, index) => {
        const kind =
          line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff ") || line.startsWith("index ")
            ? "meta"
            : line.startsWith("@@")
              ? "hunk"
              : line.startsWith("+")
                ? "add"
                : line.startsWith("-")
                  ? "del"
                  : "ctx";
        return (
          <span key={index} className={`diff-line diff-${kind}`}>
            {line || " "}
            {"\n"}
          </span>
        );
      })}
    </pre>
  );
}

function PushForm({ sandboxId, sessionId, title, onPushed }: { sandboxId: string; sessionId: string; title: string; onPushed: () => void }) {
  const [branch, setBranch] = useState(() => branchFrom(title));
  const [message, setMessage] = useState(title);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: true; branch: string; commit: string; compareUrl: string | null } | { ok: false; error: string } | null>(null);

  async function push(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    const answer = await apiFetch<{ branch: string; commit: string; compareUrl: string | null }>(`/api/sandboxes/${sandboxId}/push`, {
      method: "POST",
      body: { branch, message, sessionId },
    });
    setBusy(false);
    setResult(answer.ok ? { ok: true, ...answer.data } : { ok: false, error: answer.error });
    if (answer.ok) onPushed();
  }

  return (
    <form className="push-form" onSubmit={(event) => void push(event)} data-testid="push-form">
      <h4>Push to a branch</h4>
      <label className="field">
        <span className="small">Branch</span>
        <input
          className="input"
          value={branch}
          onChange={(event) => setBranch(event.target.value)}
          required
          maxLength={200}
          spellCheck={false}
          data-testid="push-branch"
        />
      </label>
      <label className="field">
        <span className="small">Commit message</span>
        <textarea
          className="input"
          value={message}
          onChange={(event) => setMessage(event.target.value)}
          required
          rows={2}
          maxLength={10_000}
          data-testid="push-message"
        />
      </label>
      <button type="submit" className="button small" disabled={busy} data-testid="push-submit">
        {busy ? "Pushing…" : "Commit and push"}
      </button>
      <div aria-live="polite">
        {result?.ok === true && (
          <p className="small" data-testid="push-result">
            Pushed <code>{result.commit.slice(0, 10)}</code> to <strong>{result.branch}</strong>
            {result.compareUrl && (
              <>
                {" · "}
                <a href={result.compareUrl} target="_blank" rel="noreferrer noopener">
                  Compare
                </a>
              </>
            )}
          </p>
        )}
        {result?.ok === false && (
          <p className="small danger-text" data-testid="push-error">
            {result.error}
          </p>
        )}
      </div>
    </form>
  );
}
