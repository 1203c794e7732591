import { withRoute } from "@/lib/api/with-route";
import { listMyInvitations } from "@/lib/teams/invitations";
import { listMyInvitationsQuery } from "./schema";

export const GET = withRoute({ query: listMyInvitationsQuery }, async ({ user, query }) => listMyInvitations({ email: user.email, ...query }));
