import { redirect } from "next/navigation";
import { ApiButton } from "@/components/manage/api-button";
import { TokenForm } from "@/components/manage/secret-forms";
import { ManageSection, ManageTable } from "@/components/ui/manage-table";
import { PageHeader } from "@/components/ui/page-header";
import { Pager, pageLinks } from "@/components/ui/pager";
import { RelativeTime } from "@/components/ui/relative-time";
import { getCurrentUser } from "@/lib/auth/current-user";
import { firstPageUnlessValid } from "@/lib/db/keyset";
import { listTokens } from "@/lib/tokens";

export const dynamic = "force-dynamic";
export const metadata = { title: "API tokens" };

export default async function TokensPage({ searchParams }: { searchParams: Promise<{ cursor?: string }> }) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const { cursor } = await searchParams;
  // Paged like the API: someone with many script tokens reaches the older ones through "Older tokens".
  const tokens = await firstPageUnlessValid(cursor, (from) => listTokens({ userId: user.id, cursor: from, limit: 50 }));
  return (
    <div className="page">
      <PageHeader title="API tokens" subtitle="Personal tokens for scripts. A token acts as you in every team you are in; revoke it and it stops at once." />
      <div className="manage-grid">
        <ManageSection title="Your tokens">
          {tokens.items.length === 0 ? (
            <p className="muted small" data-testid="no-tokens">
              No tokens yet.
            </p>
          ) : (
            <ManageTable testId="token-list" columns={["Name", "Created", "Last used", "Expires", null]}>
              {tokens.items.map((token) => (
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
                      <ApiButton
                        method="DELETE"
                        url={`/api/tokens/${token.id}`}
                        label="Revoke"
                        confirm={`Revoke the token “${token.name}”? Scripts using it stop at once.`}
                        className="button ghost small"
                        testId="token-revoke"
                      />
                    </div>
                  </td>
                </tr>
              ))}
            </ManageTable>
          )}
          <Pager
            {...pageLinks({ path: "/settings/tokens", cursors: { cursor }, list: "cursor", page: tokens })}
            firstLabel="Newest tokens"
            label="Older tokens"
            testId="tokens-older"
          />
        </ManageSection>
        <ManageSection title="Create a token" card>
          <TokenForm />
        </ManageSection>
      </div>
    </div>
  );
}
