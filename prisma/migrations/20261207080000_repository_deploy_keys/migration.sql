-- A repository reached over SSH: its deploy key (sealed like a token), the key's public half (shown
-- to copy into the host), and the host keys pinned when the repository was saved (known_hosts lines).
ALTER TABLE "team_repositories" ADD COLUMN "encrypted_ssh_key" TEXT,
    ADD COLUMN "ssh_public_key" TEXT,
    ADD COLUMN "known_hosts" TEXT;
