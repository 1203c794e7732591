"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/api-client";
import { ApiButton } from "@/components/manage/api-button";
import type { SsoSettingsJson } from "@/lib/contract/sso";
import { ROLES } from "@/lib/contract/roles";

// Single sign-on on /admin: the provider (issuer, client, the button's name), who may sign up, and
// which groups become which team roles. Saved whole through PUT /api/admin/sso; the client secret is
// sent when typed and never shown back. When the environment configures it, the page only shows it.

type Draft = { key: number; group: string; team: string; role: string };
type Team = { id: string; name: string };

export function SsoSettings({ settings, teams, callbackUrl }: { settings: SsoSettingsJson; teams: Team[]; callbackUrl: string }) {
  if (settings.source === "env") return <SsoFromEnv settings={settings} callbackUrl={callbackUrl} />;
  // Keyed by the saved version: after a save or turning it off the fields start from what is stored.
  return <SsoForm key={settings.updatedAt ?? "none"} settings={settings} teams={teams} callbackUrl={callbackUrl} />;
}

function SsoFromEnv({ settings, callbackUrl }: { settings: SsoSettingsJson; callbackUrl: string }) {
  return (
    <div className="stack" data-testid="sso-settings" data-source="env">
      <p className="banner inline info" data-testid="sso-from-env">
        Configured by the environment (<code>PORTAL_OIDC_*</code>), which wins over anything set here. Change it there and restart the portal.
      </p>
      <dl className="facts sso-facts">
        <dt>Button</dt>
        <dd>Sign in with {settings.name}</dd>
        <dt>Issuer</dt>
        <dd className="sso-url">{settings.issuer}</dd>
        <dt>Client id</dt>
        <dd className="sso-url">{settings.clientId}</dd>
        <dt>Redirect URI</dt>
        <dd className="sso-url">{callbackUrl}</dd>
        <dt>New accounts from</dt>
        <dd>{settings.allowedDomains.length ? settings.allowedDomains.join(", ") : "nobody (invitations only)"}</dd>
        <dt>Groups claim</dt>
        <dd>{settings.groupsClaim}</dd>
        <dt>Group roles</dt>
        <dd>
          {settings.groupRoles.length
            ? settings.groupRoles.map((line) => `${line.group} → ${line.role} in ${line.teamName}${line.teamId ? "" : " (no such team)"}`).join("; ")
            : "none"}
        </dd>
      </dl>
    </div>
  );
}

function SsoForm({ settings, teams, callbackUrl }: { settings: SsoSettingsJson; teams: Team[]; callbackUrl: string }) {
  const router = useRouter();
  const [drafts, setDrafts] = useState<Draft[]>(() => settings.groupRoles.map((line, key) => ({ key, group: line.group, team: line.teamId, role: line.role })));
  const [nextKey, setNextKey] = useState(settings.groupRoles.length);
  const [state, setState] = useState<{ pending: boolean; error: string | null; saved: boolean }>({ pending: false, error: null, saved: false });
  const change = (key: number, patch: Partial<Draft>) => setDrafts((all) => all.map((draft) => (draft.key === key ? { ...draft, ...patch } : draft)));

  async function save(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const secret = String(form.get("clientSecret") ?? "");
    setState({ pending: true, error: null, saved: false });
    const result = await apiFetch<SsoSettingsJson>("/api/admin/sso", {
      method: "PUT",
      body: {
        issuer: text("issuer"),
        clientId: text("clientId"),
        ...(secret ? { clientSecret: secret } : {}),
        name: text("name"),
        allowedDomains: text("allowedDomains")
          .split(/[\s,]+/)
          .filter(Boolean),
        groupsClaim: text("groupsClaim"),
        groupRoles: drafts.map(({ group, team, role }) => ({ group: group.trim(), team, role })),
      },
    });
    if (!result.ok) return setState({ pending: false, error: result.error, saved: false });
    (event.target as HTMLFormElement).querySelector<HTMLInputElement>("input[name=clientSecret]")!.value = "";
    setState({ pending: false, error: null, saved: true });
    router.refresh();
  }

  const configured = settings.source === "admin";
  return (
    <form className="stack sso-settings" onSubmit={save} data-testid="sso-settings" data-source={settings.source}>
      <p className="muted small">
        {configured ? "The sign-in page offers this provider beside passwords." : "Off: the sign-in page offers passwords only."} Register{" "}
        <code className="sso-url">{callbackUrl}</code> as the client&apos;s redirect URI.
      </p>
      <div className="manage-inline">
        <label className="field">
          <span>Button name</span>
          <input name="name" maxLength={60} defaultValue={settings.name} placeholder="Single sign-on" data-testid="sso-name" />
        </label>
        <label className="field">
          <span>Issuer URL</span>
          <input name="issuer" type="url" required defaultValue={settings.issuer ?? ""} placeholder="https://id.example.com" data-testid="sso-issuer" />
        </label>
      </div>
      <div className="manage-inline">
        <label className="field">
          <span>Client id</span>
          <input name="clientId" required maxLength={500} autoComplete="off" defaultValue={settings.clientId ?? ""} data-testid="sso-client-id" />
        </label>
        <label className="field">
          <span>
            Client secret{" "}
            {settings.clientSecretSet && (
              <span className="manage-tag" data-testid="sso-secret-set">
                set
              </span>
            )}
          </span>
          <input
            name="clientSecret"
            type="password"
            autoComplete="new-password"
            required={!settings.clientSecretSet}
            placeholder={settings.clientSecretSet ? "leave empty to keep it" : ""}
            data-testid="sso-client-secret"
          />
        </label>
      </div>
      <div className="manage-inline">
        <label className="field">
          <span>
            Email domains that may sign up <span className="muted small">(comma-separated; empty: invitations only)</span>
          </span>
          <input name="allowedDomains" defaultValue={settings.allowedDomains.join(", ")} placeholder="example.com" data-testid="sso-domains" />
        </label>
        <label className="field">
          <span>Groups claim</span>
          <input name="groupsClaim" maxLength={200} defaultValue={settings.groupsClaim} placeholder="groups" data-testid="sso-groups-claim" />
        </label>
      </div>
      <fieldset className="stack sso-group-roles">
        <legend>Groups to team roles</legend>
        <p className="muted small">
          At every sign-in, people in a group get its role in its team, and lose memberships granted this way when they leave the group. Memberships added or
          changed by hand stay as they are.
        </p>
        {drafts.length > 0 && (
          <ol className="policy-rules">
            {drafts.map((draft, index) => (
              <li key={draft.key} className="policy-rule" data-testid="sso-group-role">
                <label className="field">
                  <span>Group</span>
                  <input value={draft.group} required maxLength={200} onChange={(event) => change(draft.key, { group: event.target.value })} />
                </label>
                <label className="field">
                  <span>Team</span>
                  <select value={draft.team} required onChange={(event) => change(draft.key, { team: event.target.value })}>
                    {!draft.team && <option value="">choose a team</option>}
                    {teams.map((team) => (
                      <option key={team.id} value={team.id}>
                        {team.name}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field">
                  <span>Role</span>
                  <select value={draft.role} onChange={(event) => change(draft.key, { role: event.target.value })}>
                    {ROLES.map((role) => (
                      <option key={role} value={role}>
                        {role}
                      </option>
                    ))}
                  </select>
                </label>
                <div className="policy-rule-actions">
                  <button
                    type="button"
                    className="button ghost small"
                    onClick={() => setDrafts((all) => all.filter((item) => item.key !== draft.key))}
                    aria-label={`Remove mapping ${index + 1}`}
                  >
                    Remove
                  </button>
                </div>
              </li>
            ))}
          </ol>
        )}
        <div>
          <button
            type="button"
            className="button small"
            onClick={() => {
              setDrafts((all) => [...all, { key: nextKey, group: "", team: teams[0]?.id ?? "", role: "member" }]);
              setNextKey(nextKey + 1);
            }}
            data-testid="sso-group-role-add"
          >
            Add a group
          </button>
        </div>
      </fieldset>
      <div className="manage-form-actions">
        <button type="submit" className="button primary small" disabled={state.pending} data-testid="sso-save">
          {state.pending ? "Checking the issuer…" : "Save single sign-on"}
        </button>
        {configured && (
          <ApiButton
            method="DELETE"
            url="/api/admin/sso"
            label="Turn off"
            confirm="Turn single sign-on off? People who sign in with it will need a password."
            className="button ghost small"
            testId="sso-remove"
          />
        )}
        {state.saved && (
          <span className="muted small" role="status">
            Saved.
          </span>
        )}
      </div>
      {state.error && (
        <p className="banner inline error" role="alert" data-testid="sso-error">
          {state.error}
        </p>
      )}
    </form>
  );
}
