"use client";

import { useState } from "react";

export interface ConfigOption {
  id: string;
  name: string;
  category?: string;
  currentValue?: string;
  options?: Array<{ value: string; name: string }>;
}

export interface SessionDetail {
  id: string;
  title: string;
  agent: string;
  status: string;
  model: string | null;
  mode: string | null;
  thoughtLevel: string | null;
  lastStopReason: string | null;
  eventCount: number;
  usage: { used: number | null; size: number | null; cost: { amount: number; currency: string } | null } | null;
  modes: { currentModeId?: string; availableModes?: Array<{ id: string; name: string }> } | null;
  configOptions: ConfigOption[];
}

type Act = (url: string, method: string, body?: unknown) => Promise<boolean>;

// The side panel: mode, model, thought level and any other config option the agent offers; resume
// and destroy. Every change goes through the API and comes back on the stream.
export function SessionControls({ session, canWrite, act }: { session: SessionDetail; canWrite: boolean; act: Act }) {
  const [confirming, setConfirming] = useState(false);
  const disabled = !canWrite || session.status === "destroyed";
  const base = `/api/sessions/${session.id}`;
  const modes = session.modes?.availableModes ?? [];
  const byCategory = (category: string) => session.configOptions.find((option) => option.category === category);
  const modelOption = byCategory("model");
  const thoughtOption = byCategory("thought_level");
  const others = session.configOptions.filter((option) => !["mode", "model", "thought_level"].includes(option.category ?? ""));

  return (
    <aside className="session-side" data-testid="session-controls">
      <h2>Settings</h2>
      {modes.length > 0 && (
        <label className="field">
          <span>Mode</span>
          <select value={session.mode ?? session.modes?.currentModeId ?? ""} disabled={disabled} onChange={(e) => void act(base, "PATCH", { mode: e.target.value })} data-testid="select-mode">
            {modes.map((mode) => (
              <option key={mode.id} value={mode.id}>
                {mode.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {modelOption && (
        <label className="field">
          <span>Model</span>
          <select value={session.model ?? modelOption.currentValue ?? ""} disabled={disabled} onChange={(e) => void act(base, "PATCH", { model: e.target.value })} data-testid="select-model">
            {modelOption.options?.map((option) => (
              <option key={option.value} value={option.value}>
                {option.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {thoughtOption && (
        <label className="field">
          <span>Thought level</span>
          <select
            value={session.thoughtLevel ?? thoughtOption.currentValue ?? ""}
            disabled={disabled}
            onChange={(e) => void act(base, "PATCH", { thoughtLevel: e.target.value })}
            data-testid="select-thought-level"
          >
            {thoughtOption.options?.map((option) => (
              <option key={option.value} value={option.value}>
                {option.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {others.map((option) => (
        <label key={option.id} className="field">
          <span>{option.name}</span>
          <select value={option.currentValue ?? ""} disabled={disabled} onChange={(e) => void act(`${base}/config/${option.id}`, "PUT", { value: e.target.value })} data-testid={`select-config-${option.id}`}>
            {option.options?.map((entry) => (
              <option key={entry.value} value={entry.value}>
                {entry.name}
              </option>
            ))}
          </select>
        </label>
      ))}
      <dl className="facts">
        <dt>Last stop</dt>
        <dd>{session.lastStopReason?.replace("_", " ") ?? "—"}</dd>
      </dl>
      {canWrite && session.status === "restorable" && (
        <button type="button" className="button" onClick={() => void act(`${base}/resume`, "POST")} data-testid="resume-session">
          Resume now
        </button>
      )}
      {canWrite && session.status !== "destroyed" && (
        <div className="danger-zone">
          {confirming ? (
            <div className="stack">
              <p className="small">Destroy this session on the runtime? Its history stays readable.</p>
              <div className="row">
                <button type="button" className="button ghost small" onClick={() => setConfirming(false)}>
                  Keep it
                </button>
                <button
                  type="button"
                  className="button danger small"
                  onClick={async () => {
                    setConfirming(false);
                    await act(base, "DELETE");
                  }}
                  data-testid="confirm-destroy"
                >
                  Destroy
                </button>
              </div>
            </div>
          ) : (
            <button type="button" className="button ghost danger-text small" onClick={() => setConfirming(true)} data-testid="destroy-session">
              Destroy session…
            </button>
          )}
        </div>
      )}
    </aside>
  );
}
