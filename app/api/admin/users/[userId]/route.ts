import { withRoute } from "@/lib/api/with-route";
import { requireInstanceAdmin, updateUser } from "@/lib/accounts/instance";
import { updateUserBody } from "./schema";

export const PATCH = withRoute<{ userId: string }, typeof updateUserBody>({ body: updateUserBody }, async ({ user, params, body }) => {
  requireInstanceAdmin(user);
  return updateUser({ actor: user, userId: params.userId, ...body });
});
