-- A team governs its agents (issue 20): approval policies, webhooks with their delivery queue,
-- read-only share links, budgets with the alerts already sent, a daily roll-up of the gateway's
-- model calls (what the usage page and the budget checks read), and single sign-on identities.

-- One policy per team: an ordered list of rules `{id, kind?, pattern?, action}` (lib/policies).
CREATE TABLE "team_policies" (
    "team_id" TEXT NOT NULL,
    "rules" JSONB NOT NULL DEFAULT '[]',
    "updated_by" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "team_policies_pkey" PRIMARY KEY ("team_id"),
    CONSTRAINT "team_policies_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- A team's webhook. The signing secret is derived from the portal's secret and `secret_salt`
-- (lib/webhooks/signing.ts): the database alone holds nothing that signs.
CREATE TABLE "webhooks" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "events" JSONB NOT NULL,
    "format" TEXT NOT NULL DEFAULT 'json',
    "secret_salt" TEXT NOT NULL,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhooks_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "webhooks_team_id_idx" ON "webhooks"("team_id");

-- The delivery queue and its log: a row per event per webhook, claimed by one instance at a time
-- (claimed_until is the claim's lease), retried with backoff until delivered or given up.
CREATE TABLE "webhook_deliveries" (
    "id" TEXT NOT NULL,
    "webhook_id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimed_by" TEXT,
    "claimed_until" TIMESTAMPTZ(3),
    "last_status" INTEGER,
    "last_error" TEXT,
    "attempt_log" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "webhook_deliveries_webhook_id_created_at_idx" ON "webhook_deliveries"("webhook_id", "created_at" DESC, "id" DESC);
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries"("next_attempt_at") WHERE "status" = 'pending';

-- A read-only link to one session; the token is in the URL only, its sha256 here.
CREATE TABLE "share_links" (
    "id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "open_count" INTEGER NOT NULL DEFAULT 0,
    "last_opened_at" TIMESTAMPTZ(3),
    CONSTRAINT "share_links_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "share_links_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "share_links_token_hash_key" ON "share_links"("token_hash");
CREATE INDEX "share_links_session_id_idx" ON "share_links"("session_id");
CREATE INDEX "share_links_team_id_idx" ON "share_links"("team_id");

-- A team's monthly budgets in USD (null: none).
CREATE TABLE "team_budgets" (
    "team_id" TEXT NOT NULL,
    "monthly_usd" DECIMAL(14,2),
    "member_monthly_usd" DECIMAL(14,2),
    "updated_by" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "team_budgets_pkey" PRIMARY KEY ("team_id"),
    CONSTRAINT "team_budgets_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Each budget alert (80 % warning, 100 % reached) is sent once per scope and month: the row is the claim.
CREATE TABLE "budget_alerts" (
    "team_id" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "user_id" TEXT NOT NULL DEFAULT '',
    "month" TIMESTAMPTZ(3) NOT NULL,
    "level" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "budget_alerts_pkey" PRIMARY KEY ("team_id", "scope", "user_id", "month", "level"),
    CONSTRAINT "budget_alerts_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- The gateway's calls rolled up per UTC day, member, session and model, kept by a trigger on
-- model_calls: a month of a team is a few thousand rows here instead of up to millions there.
-- '' stands for "none" in user_id/session_id so the key needs no NULLs.
CREATE TABLE "model_usage_days" (
    "team_id" TEXT NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "user_id" TEXT NOT NULL DEFAULT '',
    "session_id" TEXT NOT NULL DEFAULT '',
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "input_tokens" BIGINT NOT NULL DEFAULT 0,
    "output_tokens" BIGINT NOT NULL DEFAULT 0,
    "cache_read_tokens" BIGINT NOT NULL DEFAULT 0,
    "cache_write_tokens" BIGINT NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(18,6) NOT NULL DEFAULT 0,
    "priced_calls" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "model_usage_days_pkey" PRIMARY KEY ("team_id", "day", "user_id", "session_id", "provider", "model"),
    CONSTRAINT "model_usage_days_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "model_usage_days_session_id_idx" ON "model_usage_days"("session_id");

CREATE FUNCTION "model_usage_days_add"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO model_usage_days AS d (team_id, day, user_id, session_id, provider, model, calls, input_tokens, output_tokens,
                                     cache_read_tokens, cache_write_tokens, cost_usd, priced_calls)
  VALUES (NEW.team_id, date_trunc('day', NEW.at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', COALESCE(NEW.user_id, ''), COALESCE(NEW.session_id, ''),
          NEW.provider, NEW.model, 1, NEW.input_tokens, NEW.output_tokens, NEW.cache_read_tokens, NEW.cache_write_tokens,
          COALESCE(NEW.cost_usd, 0), CASE WHEN NEW.cost_usd IS NULL THEN 0 ELSE 1 END)
  ON CONFLICT (team_id, day, user_id, session_id, provider, model) DO UPDATE SET
    calls = d.calls + 1,
    input_tokens = d.input_tokens + EXCLUDED.input_tokens,
    output_tokens = d.output_tokens + EXCLUDED.output_tokens,
    cache_read_tokens = d.cache_read_tokens + EXCLUDED.cache_read_tokens,
    cache_write_tokens = d.cache_write_tokens + EXCLUDED.cache_write_tokens,
    cost_usd = d.cost_usd + EXCLUDED.cost_usd,
    priced_calls = d.priced_calls + EXCLUDED.priced_calls;
  RETURN NULL;
END $$;

CREATE TRIGGER "model_calls_roll_up" AFTER INSERT ON "model_calls" FOR EACH ROW EXECUTE FUNCTION "model_usage_days_add"();

-- Calls recorded before this migration.
INSERT INTO model_usage_days (team_id, day, user_id, session_id, provider, model, calls, input_tokens, output_tokens,
                              cache_read_tokens, cache_write_tokens, cost_usd, priced_calls)
SELECT team_id, date_trunc('day', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', COALESCE(user_id, ''), COALESCE(session_id, ''), provider, model,
       count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens), COALESCE(sum(cost_usd), 0), count(cost_usd)
FROM model_calls
GROUP BY 1, 2, 3, 4, 5, 6;

-- An account's identity at the OIDC provider (issuer + subject), linked once proven.
CREATE TABLE "user_identities" (
    "issuer" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "user_identities_pkey" PRIMARY KEY ("issuer", "subject"),
    CONSTRAINT "user_identities_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "user_identities_user_id_idx" ON "user_identities"("user_id");
