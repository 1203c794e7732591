-- The model gateway (lib/gateway): every model call an agent makes goes through the portal, which
-- adds the team's key upstream and records one row per call. A team's keys are kept here encrypted
-- (AES-256-GCM with the portal's secrets key); their values never leave the portal.

CREATE TABLE "team_credentials" (
    "team_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "encrypted_key" TEXT NOT NULL,
    "base_url" TEXT,
    "key_hint" TEXT NOT NULL,
    "updated_by" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "team_credentials_pkey" PRIMARY KEY ("team_id", "provider"),
    CONSTRAINT "team_credentials_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "model_calls" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "sandbox_id" TEXT,
    "session_id" TEXT,
    "user_id" TEXT,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "input_tokens" INTEGER NOT NULL DEFAULT 0,
    "output_tokens" INTEGER NOT NULL DEFAULT 0,
    "cache_read_tokens" INTEGER NOT NULL DEFAULT 0,
    "cache_write_tokens" INTEGER NOT NULL DEFAULT 0,
    "status" INTEGER NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "cost_usd" DECIMAL(14,6),
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "model_calls_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "model_calls_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "model_calls_team_id_at_idx" ON "model_calls"("team_id", "at");
CREATE INDEX "model_calls_session_id_idx" ON "model_calls"("session_id");
