-- Portal instances on one database: each live instance has a row it renews (its lease); a sandbox,
-- with every session in it, is owned by one instance at a time. Commands for a session owned by
-- another instance travel as rows of session_commands (with NOTIFY) and come back with their answer.
CREATE TABLE "portal_instances" (
    "id" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "portal_instances_pkey" PRIMARY KEY ("id")
);

-- No foreign key: an owner whose instance row is gone is exactly what a takeover looks for.
ALTER TABLE "sandboxes" ADD COLUMN "owner_id" TEXT;
CREATE INDEX "sandboxes_owner_id_idx" ON "sandboxes"("owner_id");
-- Where a jail's directories are on the host, so an instance that takes the sandbox over on the same
-- host (or one sharing the directory) runs it on the same files.
ALTER TABLE "sandboxes" ADD COLUMN "host_dir" TEXT;

CREATE TABLE "session_commands" (
    "id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "caller_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimed_at" TIMESTAMPTZ(3),
    "done_at" TIMESTAMPTZ(3),
    "answer" JSONB,
    CONSTRAINT "session_commands_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "session_commands_owner_id_idx" ON "session_commands"("owner_id") WHERE "claimed_at" IS NULL;
