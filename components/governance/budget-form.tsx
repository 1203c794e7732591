"use client";

import { ApiForm } from "@/components/manage/api-form";

const amount = (value: FormDataEntryValue | null) => (typeof value === "string" && value.trim() !== "" ? Number(value) : null);

/** The team's and each member's monthly budget in USD; empty: none. */
export function BudgetForm({ teamId, monthlyUsd, memberMonthlyUsd }: { teamId: string; monthlyUsd: number | null; memberMonthlyUsd: number | null }) {
  return (
    <ApiForm
      method="PUT"
      url={`/api/teams/${teamId}/budget`}
      toBody={(form) => ({ monthlyUsd: amount(form.get("monthly")), memberMonthlyUsd: amount(form.get("member")) })}
      submitLabel="Save budget"
      resetOnDone={false}
      testId="budget-form"
    >
      <div className="manage-inline">
        <label className="field">
          <span>Team, per month (USD)</span>
          <input
            name="monthly"
            type="number"
            min="0.01"
            step="0.01"
            inputMode="decimal"
            defaultValue={monthlyUsd ?? ""}
            placeholder="no budget"
            data-testid="budget-team"
          />
        </label>
        <label className="field">
          <span>Each member, per month (USD)</span>
          <input
            name="member"
            type="number"
            min="0.01"
            step="0.01"
            inputMode="decimal"
            defaultValue={memberMonthlyUsd ?? ""}
            placeholder="no budget"
            data-testid="budget-member"
          />
        </label>
      </div>
    </ApiForm>
  );
}
