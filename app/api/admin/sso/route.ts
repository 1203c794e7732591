import { withRoute } from "@/lib/api/with-route";
import { removeSsoSettings, saveSsoSettings, ssoSettings } from "@/lib/auth/sso-config";
import { ssoSettingsBody } from "./schema";

export const GET = withRoute({ instanceAdmin: true }, () => ssoSettings());

export const PUT = withRoute({ instanceAdmin: true, body: ssoSettingsBody }, ({ user, body }) => saveSsoSettings({ actorId: user.id, input: body }));

export const DELETE = withRoute({ instanceAdmin: true }, async ({ user }) => {
  await removeSsoSettings({ actorId: user.id });
  return new Response(null, { status: 204 });
});
