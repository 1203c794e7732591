import { withRoute } from "@/lib/api/with-route";
import { pushSandbox } from "@/lib/cluster/commands";
import { pushBody } from "../../schema";

export const POST = withRoute({ sandbox: "work", body: pushBody }, async ({ sandbox, user, body }) => pushSandbox({ sandbox, userId: user.id, ...body }));
