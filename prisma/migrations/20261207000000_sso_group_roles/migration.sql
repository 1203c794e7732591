-- Single sign-on maps the provider's groups to team roles (lib/auth/sso-groups.ts): a membership it
-- granted names the group that granted it, so the next sign-in can change or take back that
-- membership and never one granted by hand (NULL). A change by hand makes it hand-managed.
ALTER TABLE "memberships" ADD COLUMN "sso_group" TEXT;
