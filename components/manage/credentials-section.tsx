import { ApiButton } from "@/components/manage/api-button";
import { SetCredentialForm } from "@/components/manage/credential-forms";
import { ManageSection, ManageTable } from "@/components/ui/manage-table";
import { RelativeTime } from "@/components/ui/relative-time";
import { MODEL_PROVIDER_NAMES, MODEL_PROVIDERS } from "@/lib/contract/credentials";
import { listCredentials } from "@/lib/gateway/credentials";

const SOURCE_WORDS = { team: "the team's own key", instance: "the portal's default key", none: "no key: its agents cannot start" } as const;

/** A team's model keys (Settings, admins): which key each provider's calls use, never the key itself. */
export async function CredentialsSection({ team }: { team: { id: string } }) {
  // One item per provider: a page of that many holds them all.
  const { items } = await listCredentials({ teamId: team.id, limit: MODEL_PROVIDERS.length });
  return (
    <ManageSection title="Model credentials" testId="credentials" id="credentials">
      <p className="muted small">
        Agents never see these keys: each sandbox talks to the portal&apos;s model gateway with a token of its own, and the gateway calls the provider with the
        team&apos;s key and records every call.
      </p>
      <ManageTable testId="credential-list" columns={["Provider", "Key", "Calls go to", "Last used", null]}>
        {items.map((credential) => (
          <tr key={credential.provider} data-testid={`credential-${credential.provider}`} data-source={credential.source}>
            <td data-label="Provider">{MODEL_PROVIDER_NAMES[credential.provider]}</td>
            <td data-label="Key">
              {credential.source === "team" ? (
                <>
                  <code>…{credential.keyHint}</code>{" "}
                  <span className="muted small">
                    set by {credential.setBy ?? "someone"} <RelativeTime iso={credential.setAt!} />
                  </span>
                </>
              ) : (
                <span className={credential.source === "none" ? "text-warning" : "muted"}>{SOURCE_WORDS[credential.source]}</span>
              )}
            </td>
            <td data-label="Calls go to" className="muted small">
              {credential.baseUrl ?? "the provider's API"}
            </td>
            <td data-label="Last used" className="muted small">
              {credential.lastUsedAt ? <RelativeTime iso={credential.lastUsedAt} /> : "never"}
            </td>
            <td>
              {credential.source === "team" && (
                <ApiButton
                  method="DELETE"
                  url={`/api/teams/${team.id}/credentials/${credential.provider}`}
                  label="Remove"
                  pendingLabel="Removing…"
                  className="button small ghost"
                  confirm={`Remove the team's ${MODEL_PROVIDER_NAMES[credential.provider]} key? Running agents lose their model at their next call.`}
                  testId={`credential-remove-${credential.provider}`}
                />
              )}
            </td>
          </tr>
        ))}
      </ManageTable>
      <div className="manage-grid">
        {items.map((credential) => (
          <div key={credential.provider} className="card">
            <SetCredentialForm teamId={team.id} provider={credential.provider} />
          </div>
        ))}
      </div>
    </ManageSection>
  );
}
