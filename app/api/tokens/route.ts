import { withRoute } from "@/lib/api/with-route";
import { createToken, listTokens } from "@/lib/tokens";
import { createTokenBody, listTokensQuery } from "./schema";

export const GET = withRoute({ query: listTokensQuery }, async ({ user, query }) => listTokens({ userId: user.id, ...query }));

// The secret is in this answer only: no cache may keep it.
export const POST = withRoute({ body: createTokenBody }, async ({ user, body }) =>
  Response.json(await createToken({ user, name: body.name, expiresInDays: body.expiresInDays ?? undefined }), {
    status: 201,
    headers: { "cache-control": "no-store" },
  }),
);
