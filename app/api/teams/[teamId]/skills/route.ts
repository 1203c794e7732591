import { withRoute } from "@/lib/api/with-route";
import { setTeamSkills, teamSkills } from "@/lib/sandboxes/team-config";
import { putSkillsBody } from "./schema";

export const GET = withRoute({ team: "configureTeam" }, async ({ team }) => teamSkills({ teamId: team.id }));

export const PUT = withRoute({ team: "configureTeam", body: putSkillsBody }, async ({ team, user, body }) =>
  setTeamSkills({ teamId: team.id, actorId: user.id, sources: body.sources }),
);
