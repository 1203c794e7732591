import { withRoute } from "@/lib/api/with-route";
import { ifMatchHeaders, versionedJson } from "@/lib/api/versions";
import { setTeamSkills, teamSkills } from "@/lib/sandboxes/team-config";
import { putSkillsBody } from "./schema";

export const GET = withRoute({ team: "configureTeam" }, async ({ team }) => versionedJson(await teamSkills({ teamId: team.id })));

export const PUT = withRoute({ team: "configureTeam", headers: ifMatchHeaders, body: putSkillsBody }, async ({ team, user, headers, body }) =>
  versionedJson(await setTeamSkills({ teamId: team.id, actorId: user.id, sources: body.sources, ifMatch: headers["if-match"] })),
);
