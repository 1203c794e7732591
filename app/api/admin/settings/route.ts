import { withRoute } from "@/lib/api/with-route";
import { setTeamCreation, teamCreationSetting } from "@/lib/accounts/instance";
import { setWebhookTargets, webhookTargetsSetting } from "@/lib/webhooks/targets";
import { updateSettingsBody } from "./schema";

const settings = async () => ({ teamCreation: await teamCreationSetting(), webhookTargets: await webhookTargetsSetting() });

export const GET = withRoute({ instanceAdmin: true }, settings);

export const PUT = withRoute({ instanceAdmin: true, body: updateSettingsBody }, async ({ body }) => {
  if (body.teamCreation) await setTeamCreation(body.teamCreation);
  if (body.webhookTargets) await setWebhookTargets(body.webhookTargets);
  return settings();
});
