import { ADMIN } from "../../integration/harness";

// The admin the e2e portal bootstraps (PORTAL_ADMIN_EMAIL / PORTAL_ADMIN_PASSWORD in portal-server.ts).
export const admin = ADMIN;
