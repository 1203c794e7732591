"use client";

import { useState } from "react";
import { apiFetch } from "@/components/api-client";
import { ApiForm } from "@/components/manage/api-form";

/** Creates a team and switches to it: the person made it to work in it. */
export function CreateTeamForm() {
  const [created, setCreated] = useState<string | null>(null);
  return (
    <ApiForm<{ id: string; name: string }>
      method="POST"
      url="/api/teams"
      toBody={(form) => ({ name: form.get("name") })}
      submitLabel="Create team"
      testId="create-team"
      onDone={async (team) => {
        const switched = await apiFetch("/api/me", { method: "PATCH", body: { activeTeamId: team.id } });
        setCreated(switched.ok ? `Created ${team.name}; you are in it now.` : `Created ${team.name}.`);
      }}
    >
      <label className="field">
        <span>Name</span>
        <input name="name" required maxLength={100} data-testid="create-team-name" onChange={() => setCreated(null)} />
      </label>
      {created && (
        <p className="muted small" role="status" data-testid="create-team-done">
          {created}
        </p>
      )}
    </ApiForm>
  );
}
