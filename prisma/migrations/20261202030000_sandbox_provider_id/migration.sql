-- A sandbox at a hosted provider (PORTAL_SANDBOX=e2b, docker, ...) is reconnected by the provider's own id.
ALTER TABLE "sandboxes" ADD COLUMN "provider_sandbox_id" TEXT;
