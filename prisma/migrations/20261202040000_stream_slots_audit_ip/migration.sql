-- The client address of each audited change, and the open event streams of every portal instance:
-- the per-user cap counts the slots whose instance holds its lease (portal_instances), so the slots
-- of a killed instance stop counting by themselves. No foreign key, as for sandbox owners: a slot
-- whose instance row is gone is exactly what the count leaves out.

ALTER TABLE "audit_entries" ADD COLUMN "ip" TEXT;
-- A command run by the instance that owns the session records the address of the request it came from.
ALTER TABLE "session_commands" ADD COLUMN "client_ip" TEXT;

CREATE TABLE "stream_slots" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "instance_id" TEXT NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "stream_slots_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "stream_slots_user_id_idx" ON "stream_slots"("user_id");
