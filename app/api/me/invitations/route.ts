import { withRoute } from "@/lib/api/with-route";
import { listMyInvitations } from "@/lib/teams/invitations";

export const GET = withRoute({}, async ({ user }) => listMyInvitations({ email: user.email }));
