import { withRoute } from "@/lib/api/with-route";
import { createToken, listTokens } from "@/lib/tokens";
import { createTokenBody } from "./schema";

export const GET = withRoute({}, async ({ user }) => ({ items: await listTokens({ userId: user.id }) }));

export const POST = withRoute({ body: createTokenBody }, async ({ user, body }) =>
  Response.json(await createToken({ userId: user.id, name: body.name }), { status: 201 }),
);
