import { redirect } from "next/navigation";
import { ApiButton } from "@/components/manage/api-button";
import { PasswordForm, NameForm } from "@/components/manage/account-forms";
import { ManageSection, ManageTable } from "@/components/ui/manage-table";
import { PageHeader } from "@/components/ui/page-header";
import { Pager, pageLinks } from "@/components/ui/pager";
import { RelativeTime } from "@/components/ui/relative-time";
import { listSignIns } from "@/lib/accounts/account";
import { getCurrentUser } from "@/lib/auth/current-user";
import { firstPageUnlessValid } from "@/lib/db/keyset";

export const dynamic = "force-dynamic";
export const metadata = { title: "Account" };

export default async function AccountPage({ searchParams }: { searchParams: Promise<{ signIns?: string }> }) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const { signIns: cursor } = await searchParams;
  // The recent ones first, the whole history through "Older sign-ins".
  const signIns = await firstPageUnlessValid(cursor, (from) => listSignIns({ userId: user.id, cursor: from, limit: 20 }));
  return (
    <div className="page">
      <PageHeader title="Account" subtitle={user.email} />
      <div className="manage-grid">
        <div>
          <ManageSection title="Recent sign-ins">
            <ManageTable testId="sign-in-list" columns={["When", "Result", "Address", "Browser"]}>
              {signIns.items.map((attempt) => (
                <tr key={attempt.id} data-testid="sign-in-row" data-ok={attempt.ok}>
                  <td className="muted small">
                    <RelativeTime iso={attempt.at} />
                  </td>
                  <td>
                    {attempt.ok ? (
                      <span className="manage-tag">signed in</span>
                    ) : (
                      <span className="manage-tag manage-tag-bad">{attempt.reason === "disabled" ? "refused (disabled)" : "wrong password"}</span>
                    )}
                  </td>
                  <td className="muted small">{attempt.ip ?? "—"}</td>
                  {/* Cut at 80 characters with an ellipsis (the whole of it on hover), not mid-word as if that were all. */}
                  <td className="muted small" title={attempt.userAgent ?? undefined}>
                    {!attempt.userAgent ? "—" : attempt.userAgent.length > 80 ? `${attempt.userAgent.slice(0, 79)}…` : attempt.userAgent}
                  </td>
                </tr>
              ))}
            </ManageTable>
            <Pager
              {...pageLinks({ path: "/account", cursors: { signIns: cursor }, list: "signIns", page: signIns })}
              firstLabel="Newest sign-ins"
              label="Older sign-ins"
              testId="sign-ins-older"
            />
          </ManageSection>
          <ManageSection title="Sign out everywhere">
            <p className="muted small">Ends every other sign-in of your account, in every browser. This one stays signed in.</p>
            <div>
              <ApiButton
                method="POST"
                url="/api/me/sign-out-everywhere"
                label="Sign out everywhere else"
                confirm="Sign out every other browser?"
                className="button"
                testId="sign-out-everywhere"
              />
            </div>
          </ManageSection>
        </div>
        <div className="stack">
          <ManageSection title="Profile" card>
            <NameForm name={user.name} />
          </ManageSection>
          <ManageSection title="Change password" card>
            <p className="muted small">12 to 1,024 characters. Every other sign-in of your account ends.</p>
            <PasswordForm />
          </ManageSection>
        </div>
      </div>
    </div>
  );
}
