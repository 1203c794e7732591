// Agent JSON (GET /api/agents) as the runtime reports it, with what the portal knows on top.

export interface AgentJson {
  id: string;
  name: string;
  installed: boolean;
  /** The installed version (real agents), null for the demo. */
  version: string | null;
  /** It can start a session for the team asked about. */
  ready: boolean;
  offline: boolean;
  /** A key for its model API: the team's own, or the instance's. */
  credentialsAvailable: boolean;
  models?: string[];
  modes?: string[];
  thoughtLevels?: string[];
  /** Why the agent cannot start here, when it cannot. */
  missing?: string;
}

/** One real agent's install on this host (GET /api/admin/agents). */
export interface AgentInstallJson {
  id: string;
  name: string;
  package: string;
  /** The pinned version the portal installs. */
  version: string;
  state: "absent" | "installing" | "installed" | "failed";
  /** Installed: its size; installing: what npm has written so far. */
  sizeBytes?: number;
  error?: string;
  startedAt?: string;
  installedAt?: string;
}

/** Whether a real agent can start for a team, and in words what is missing when not. */
export interface AgentReadinessJson {
  id: string;
  installed: boolean;
  version: string | null;
  ready: boolean;
  missing?: string;
}
