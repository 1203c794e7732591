"use client";

import { ApiForm } from "@/components/manage/api-form";

export function CreateTeamForm() {
  return (
    <ApiForm method="POST" url="/api/teams" toBody={(form) => ({ name: form.get("name") })} submitLabel="Create team" testId="create-team">
      <label className="field">
        <span>Name</span>
        <input name="name" required maxLength={100} data-testid="create-team-name" />
      </label>
    </ApiForm>
  );
}
