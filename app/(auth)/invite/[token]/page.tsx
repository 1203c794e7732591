import Link from "next/link";
import { InviteAcceptForm } from "@/components/manage/invite-accept-form";
import { getCurrentUser } from "@/lib/auth/current-user";
import { invitationByToken } from "@/lib/teams/invitations";
import "../../../(app)/manage.css";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ token: string }> };

const lookup = async (token: string) => (token.length <= 200 ? invitationByToken(token) : null);

export async function generateMetadata({ params }: Props) {
  const invitation = await lookup((await params).token);
  return { title: invitation ? `Invitation to ${invitation.teamName}` : "Invitation" };
}

export default async function InvitePage({ params }: Props) {
  const { token } = await params;
  const [invitation, user] = await Promise.all([lookup(token), getCurrentUser()]);
  return (
    <main className="auth-page">
      <div className="auth-card" data-testid="invite-card">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden>
            ◆
          </span>
          Agent Portal
        </div>
        {!invitation ? (
          <>
            <h1 className="auth-title">This link does not work</h1>
            <p className="muted auth-lead" data-testid="invite-invalid">
              The invitation was used, revoked or has expired. Ask an admin of the team for a new one.
            </p>
            <Link href="/login" className="button">
              Go to sign in
            </Link>
          </>
        ) : invitation.hasAccount ? (
          <>
            <h1 className="auth-title">Join {invitation.teamName}</h1>
            <p className="muted auth-lead" data-testid="invite-existing">
              {invitation.email} is invited as {invitation.role}.{" "}
              {user ? "Accept it on your Teams page." : "Sign in with that account, then accept it on your Teams page."}
            </p>
            <Link href={user ? "/teams" : "/login?callbackUrl=/teams"} className="button primary" data-testid="invite-to-teams">
              {user ? "Open Teams" : "Sign in"}
            </Link>
          </>
        ) : (
          <>
            <h1 className="auth-title">Join {invitation.teamName}</h1>
            <p className="muted auth-lead">
              You are invited as <strong>{invitation.role}</strong>. Choose your name and a password for <strong>{invitation.email}</strong>.
            </p>
            <InviteAcceptForm token={token} email={invitation.email} />
          </>
        )}
      </div>
    </main>
  );
}
