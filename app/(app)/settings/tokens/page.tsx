import { redirect } from "next/navigation";
import { ApiButton } from "@/components/manage/api-button";
import { TokenForm } from "@/components/manage/secret-forms";
import { RelativeTime } from "@/components/ui/relative-time";
import { getCurrentUser } from "@/lib/auth/current-user";
import { listTokens } from "@/lib/tokens";
import "../../manage.css";

export const dynamic = "force-dynamic";
export const metadata = { title: "API tokens" };

export default async function TokensPage() {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const tokens = await listTokens({ userId: user.id });
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>API tokens</h1>
          <p className="muted page-subtitle">Personal tokens for scripts. A token acts as you in every team you are in; revoke it and it stops at once.</p>
        </div>
      </div>
      <div className="manage-grid">
        <section className="manage-section">
          <h2>Your tokens</h2>
          {tokens.length === 0 ? (
            <p className="muted small" data-testid="no-tokens">
              No tokens yet.
            </p>
          ) : (
            <div className="table-wrap">
              <table className="table manage-table" data-testid="token-list">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Created</th>
                    <th>Last used</th>
                    <th>Expires</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {tokens.map((token) => (
                    <tr key={token.id} data-testid="token-row">
                      <td>
                        <strong data-testid="token-row-name">{token.name}</strong> {token.expired && <span className="manage-tag manage-tag-bad">expired</span>}
                      </td>
                      <td className="muted small">
                        <RelativeTime iso={token.createdAt} />
                      </td>
                      <td className="muted small">{token.lastUsedAt ? <RelativeTime iso={token.lastUsedAt} /> : "never"}</td>
                      <td className="muted small">{token.expiresAt ? token.expiresAt.slice(0, 10) : "never"}</td>
                      <td>
                        <div className="manage-actions-cell">
                          <ApiButton method="DELETE" url={`/api/tokens/${token.id}`} label="Revoke" confirm={`Revoke the token “${token.name}”? Scripts using it stop at once.`} className="button ghost small" testId="token-revoke" />
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <section className="card manage-section">
          <h2>Create a token</h2>
          <TokenForm />
        </section>
      </div>
    </div>
  );
}
