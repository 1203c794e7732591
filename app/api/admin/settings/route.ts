import { withRoute } from "@/lib/api/with-route";
import { setTeamCreation, teamCreationSetting } from "@/lib/accounts/instance";
import { updateSettingsBody } from "./schema";

export const GET = withRoute({ instanceAdmin: true }, async () => ({ teamCreation: await teamCreationSetting() }));

export const PUT = withRoute({ instanceAdmin: true, body: updateSettingsBody }, async ({ body }) => setTeamCreation(body.teamCreation));
