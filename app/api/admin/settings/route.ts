import { withRoute } from "@/lib/api/with-route";
import { requireInstanceAdmin, setTeamCreation, teamCreationSetting } from "@/lib/accounts/instance";
import { updateSettingsBody } from "./schema";

export const GET = withRoute({}, async ({ user }) => {
  requireInstanceAdmin(user);
  return { teamCreation: await teamCreationSetting() };
});

export const PUT = withRoute({ body: updateSettingsBody }, async ({ user, body }) => {
  requireInstanceAdmin(user);
  return setTeamCreation(body.teamCreation);
});
