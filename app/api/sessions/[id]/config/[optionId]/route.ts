import { pathParams } from "@/lib/api/params";
import { withRoute } from "@/lib/api/with-route";
import { setConfigOption } from "@/lib/cluster/commands";
import { configValueBody } from "./schema";

export const PUT = withRoute({ session: "work", params: pathParams("id", "optionId"), body: configValueBody }, async ({ user, session, params, body }) => ({
  configOptions: await setConfigOption({ session, userId: user.id, optionId: params.optionId, value: body.value }),
}));
