import { pathParams } from "@/lib/api/params";
import { withRoute } from "@/lib/api/with-route";
import { updateUser } from "@/lib/accounts/instance";
import { updateUserBody } from "./schema";

export const PATCH = withRoute({ instanceAdmin: true, params: pathParams("userId"), body: updateUserBody }, async ({ user, params, body }) =>
  updateUser({ actor: user, userId: params.userId, ...body }),
);
