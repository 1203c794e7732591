-- Each list (MCP servers, skills) counts its writes: the version a PUT's If-Match must name, so two
-- admins editing the same list never overwrite each other unseen.
ALTER TABLE "team_sandbox_configs" ADD COLUMN "mcp_version" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "team_sandbox_configs" ADD COLUMN "skills_version" INTEGER NOT NULL DEFAULT 0;
