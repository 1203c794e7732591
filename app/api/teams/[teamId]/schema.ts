import { z } from "zod";

// The team's name, as the owner sees it: a DELETE that reached here by accident (a client resolving
// `…/invitations/..` to the team, then following Next's trailing-slash redirect) carries none.
export const deleteTeamBody = z.object({ name: z.string().max(200) });
