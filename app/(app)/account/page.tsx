import { redirect } from "next/navigation";
import { ApiButton } from "@/components/manage/api-button";
import { PasswordForm, NameForm } from "@/components/manage/account-forms";
import { RelativeTime } from "@/components/ui/relative-time";
import { listSignIns } from "@/lib/accounts/account";
import { getCurrentUser } from "@/lib/auth/current-user";
import "../manage.css";

export const dynamic = "force-dynamic";
export const metadata = { title: "Account" };

export default async function AccountPage() {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const signIns = await listSignIns({ userId: user.id, limit: 20 });
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Account</h1>
          <p className="muted page-subtitle">{user.email}</p>
        </div>
      </div>
      <div className="manage-grid">
        <div>
          <section className="manage-section">
            <h2>Recent sign-ins</h2>
            <div className="table-wrap">
              <table className="table manage-table" data-testid="sign-in-list">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Result</th>
                    <th>Address</th>
                    <th>Browser</th>
                  </tr>
                </thead>
                <tbody>
                  {signIns.items.map((attempt) => (
                    <tr key={attempt.id} data-testid="sign-in-row" data-ok={attempt.ok}>
                      <td className="muted small">
                        <RelativeTime iso={attempt.at} />
                      </td>
                      <td>{attempt.ok ? <span className="manage-tag">signed in</span> : <span className="manage-tag manage-tag-bad">{attempt.reason === "disabled" ? "refused (disabled)" : "wrong password"}</span>}</td>
                      <td className="muted small">{attempt.ip ?? "—"}</td>
                      <td className="muted small">{attempt.userAgent?.slice(0, 80) ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section className="manage-section">
            <h2>Sign out everywhere</h2>
            <p className="muted small">Ends every other sign-in of your account, in every browser. This one stays signed in.</p>
            <div>
              <ApiButton method="POST" url="/api/me/sign-out-everywhere" label="Sign out everywhere else" confirm="Sign out every other browser?" className="button" testId="sign-out-everywhere" />
            </div>
          </section>
        </div>
        <div className="stack">
          <section className="card manage-section">
            <h2>Name</h2>
            <NameForm name={user.name} />
          </section>
          <section className="card manage-section">
            <h2>Change password</h2>
            <p className="muted small">12 to 1,024 characters. Every other sign-in of your account ends.</p>
            <PasswordForm />
          </section>
        </div>
      </div>
    </div>
  );
}
