-- Single-use tickets for a terminal's WebSocket: the upgrade redeems one on any instance (hash only).
CREATE TABLE "terminal_tickets" (
    "token_hash" TEXT NOT NULL,
    "terminal_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "token_id" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "terminal_tickets_pkey" PRIMARY KEY ("token_hash"),
    CONSTRAINT "terminal_tickets_terminal_id_fkey" FOREIGN KEY ("terminal_id") REFERENCES "sandbox_terminals"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "terminal_tickets_expires_at_idx" ON "terminal_tickets"("expires_at");
