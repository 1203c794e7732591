"use client";

import { createContext, useContext, useMemo } from "react";
import { may, type Role } from "@/lib/contract/roles";

// The team the person works in (the top bar's switcher), or all their teams: the session list, the
// sidebar, the inbox and New session follow it. Remembered per user on the server (PATCH /api/me).

export interface TeamChoice {
  id: string;
  name: string;
  role: Role;
}

interface CurrentTeam {
  teams: TeamChoice[];
  /** null: all teams. */
  current: TeamChoice | null;
  /** Whether the person may answer permissions (member and up) in that team. */
  canAnswerIn(teamId: string): boolean;
}

const CurrentTeamContext = createContext<CurrentTeam>({ teams: [], current: null, canAnswerIn: () => true });

export function CurrentTeamProvider({ teams, currentTeamId, children }: { teams: TeamChoice[]; currentTeamId: string | null; children: React.ReactNode }) {
  const value = useMemo(() => {
    const roles = new Map(teams.map((team) => [team.id, team.role]));
    return {
      teams,
      current: teams.find((team) => team.id === currentTeamId) ?? null,
      canAnswerIn: (teamId: string) => may(roles.get(teamId) ?? "viewer", "work"),
    };
  }, [teams, currentTeamId]);
  return <CurrentTeamContext.Provider value={value}>{children}</CurrentTeamContext.Provider>;
}

export const useCurrentTeam = () => useContext(CurrentTeamContext);
