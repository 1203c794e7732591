-- The client address of each audited change, and the open event streams of every portal instance
-- (the per-user cap holds across instances; a slot a killed instance left behind expires by itself).

ALTER TABLE "audit_entries" ADD COLUMN "ip" TEXT;

CREATE TABLE "stream_slots" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "instance_id" TEXT NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "stream_slots_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "stream_slots_user_id_expires_at_idx" ON "stream_slots"("user_id", "expires_at");
