-- Sandboxes: every session's agent runs in a sandbox of its team.
CREATE TYPE "SandboxStatus" AS ENUM ('starting', 'running', 'stopped', 'lost', 'destroyed');

CREATE TABLE "sandboxes" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "seq" SERIAL NOT NULL,
    "status" "SandboxStatus" NOT NULL DEFAULT 'starting',
    "workspace" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_active_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "destroyed_at" TIMESTAMPTZ(3),
    CONSTRAINT "sandboxes_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "sandboxes_team_id_created_at_id_idx" ON "sandboxes"("team_id", "created_at" DESC, "id" DESC);
ALTER TABLE "sandboxes" ADD CONSTRAINT "sandboxes_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "sessions" ADD COLUMN "sandbox_id" TEXT;
CREATE INDEX "sessions_sandbox_id_idx" ON "sessions"("sandbox_id");
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_sandbox_id_fkey" FOREIGN KEY ("sandbox_id") REFERENCES "sandboxes"("id") ON DELETE SET NULL ON UPDATE CASCADE;
