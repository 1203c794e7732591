-- Work in and out of a sandbox: team repositories a workspace starts from (their token sealed with
-- the portal's secrets key), the base commit and last push of a workspace, the team's MCP servers and
-- skills for new sandboxes, and the terminals opened in sandboxes.

CREATE TABLE "team_repositories" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "default_branch" TEXT NOT NULL,
    "encrypted_token" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "team_repositories_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "team_repositories_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "team_repositories_team_id_name_key" ON "team_repositories"("team_id", "name");

ALTER TABLE "sandboxes" ADD COLUMN "repository_id" TEXT,
    ADD COLUMN "repository_branch" TEXT,
    ADD COLUMN "base_commit" TEXT,
    ADD COLUMN "pushed_branch" TEXT,
    ADD COLUMN "pushed_commit" TEXT,
    ADD COLUMN "applied_config" JSONB,
    ADD CONSTRAINT "sandboxes_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "team_repositories"("id") ON DELETE SET NULL ON UPDATE CASCADE;

CREATE TABLE "team_sandbox_configs" (
    "team_id" TEXT NOT NULL,
    "mcp_servers" JSONB NOT NULL DEFAULT '[]',
    "skills" JSONB,
    "updated_by" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "team_sandbox_configs_pkey" PRIMARY KEY ("team_id"),
    CONSTRAINT "team_sandbox_configs_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "sandbox_terminals" (
    "id" TEXT NOT NULL,
    "sandbox_id" TEXT NOT NULL,
    "process_id" TEXT NOT NULL,
    "opened_by" TEXT NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),
    CONSTRAINT "sandbox_terminals_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "sandbox_terminals_sandbox_id_fkey" FOREIGN KEY ("sandbox_id") REFERENCES "sandboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "sandbox_terminals_sandbox_id_closed_at_idx" ON "sandbox_terminals"("sandbox_id", "closed_at");
