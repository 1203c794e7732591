"use client";

import { ApiForm } from "@/components/manage/api-form";

export function NameForm({ name }: { name: string }) {
  return (
    <ApiForm method="PATCH" url="/api/me" toBody={(form) => ({ name: form.get("name") })} submitLabel="Save name" resetOnDone={false} testId="name-form">
      <label className="field">
        <span>Name</span>
        <input name="name" required maxLength={200} defaultValue={name} data-testid="account-name" />
      </label>
    </ApiForm>
  );
}

export function PasswordForm() {
  return (
    <ApiForm
      method="PUT"
      url="/api/me/password"
      toBody={(form) => ({ currentPassword: form.get("currentPassword"), newPassword: form.get("newPassword") })}
      submitLabel="Change password"
      testId="password-form"
    >
      <label className="field">
        <span>Current password</span>
        <input name="currentPassword" type="password" autoComplete="current-password" required data-testid="current-password" />
      </label>
      <label className="field">
        <span>New password</span>
        <input name="newPassword" type="password" autoComplete="new-password" required minLength={12} maxLength={1024} data-testid="new-password" />
      </label>
    </ApiForm>
  );
}
