"use client";

import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "@/components/api-client";
import type { AgentInstallJson } from "@/lib/contract/agents";

// The Admin page's Agents section: each real agent's install on this host, an Install button, and
// while an install runs, its progress (what npm has written so far), polled from GET /api/admin/agents.

const POLL_MS = 1500;

function megabytes(bytes: number | undefined) {
  return bytes === undefined || bytes < 1e6 ? "" : `${Math.round(bytes / 1e6)} MB`;
}

function stateLabel(agent: AgentInstallJson) {
  switch (agent.state) {
    case "installed":
      return <span className="manage-tag">installed{agent.sizeBytes ? ` · ${megabytes(agent.sizeBytes)}` : ""}</span>;
    case "installing":
      return <span className="manage-tag manage-tag-current">installing… {megabytes(agent.sizeBytes)}</span>;
    case "failed":
      return <span className="manage-tag manage-tag-bad">install failed</span>;
    default:
      return <span className="manage-tag">not installed</span>;
  }
}

export function AgentInstalls({ initial }: { initial: AgentInstallJson[] }) {
  const [agents, setAgents] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(async () => {
    const result = await apiFetch<{ items: AgentInstallJson[] }>("/api/admin/agents");
    if (result.ok) setAgents(result.data.items);
  }, []);
  const installing = agents.some((agent) => agent.state === "installing");
  useEffect(() => {
    if (!installing) return;
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [installing, refresh]);

  async function install(id: string) {
    setError(null);
    const result = await apiFetch<AgentInstallJson>(`/api/admin/agents/${id}/install`, { method: "POST" });
    if (!result.ok) setError(result.error);
    await refresh();
  }

  return (
    <>
      <p className="muted small">
        Installed once on this host from npm at pinned versions, shared read-only with every sandbox. An install takes a minute or two.
      </p>
      <ul className="manage-list" data-testid="admin-agents">
        {agents.map((agent) => (
          <li key={agent.id} data-testid="admin-agent-row" data-agent={agent.id} data-state={agent.state}>
            <div className="agent-install-row">
              <div>
                <strong>{agent.name}</strong> {stateLabel(agent)}
                <div className="muted small">
                  {agent.package}@{agent.version}
                </div>
              </div>
              {(agent.state === "absent" || agent.state === "failed") && (
                <button type="button" className="button small" onClick={() => void install(agent.id)} data-testid="admin-agent-install">
                  {agent.state === "failed" ? "Retry" : "Install"}
                </button>
              )}
            </div>
            {agent.state === "failed" && agent.error && (
              <pre className="form-error small agent-install-error" role="alert">
                {agent.error}
              </pre>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
