import path from "node:path";

/** The signed-in admin session the setup project saves (tests/e2e/.auth/ is gitignored). */
export const STORAGE_STATE = path.join(import.meta.dirname, "../.auth/admin.json");
