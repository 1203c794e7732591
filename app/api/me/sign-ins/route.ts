import { withRoute } from "@/lib/api/with-route";
import { listSignIns } from "@/lib/accounts/account";

export const GET = withRoute({}, async ({ user }) => listSignIns({ userId: user.id }));
