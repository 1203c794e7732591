// Agent JSON (GET /api/agents) as the runtime reports it, with what the portal knows on top.

export interface AgentJson {
  id: string;
  name: string;
  installed: boolean;
  offline: boolean;
  credentialsAvailable: boolean;
  models?: string[];
  modes?: string[];
  thoughtLevels?: string[];
  /** Why the agent cannot start here, when it cannot. */
  missing?: string;
}
