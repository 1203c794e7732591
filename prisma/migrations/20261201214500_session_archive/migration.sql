-- Archived sessions are hidden from the default list; archiving is reversible and touches nothing else.
ALTER TABLE "sessions" ADD COLUMN "archived_at" TIMESTAMPTZ(3);
