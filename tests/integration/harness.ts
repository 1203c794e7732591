import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

// Real parts for integration tests: a uniquely named database on the machine's PostgreSQL
// (127.0.0.1:5432, trust auth), and the real portal (`next start`, which starts the real runtime
// binary with the demo agent). Nothing is mocked.

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const ADMIN = { email: "admin@example.test", password: "correct-horse-battery" };
const SERVER_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/** The URL of a database on the test server, by name. */
export function testDatabaseUrl(name: string) {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `name` when the caller chose it beforehand (the e2e run, whose tests reach the portal's database). */
export async function createTestDatabase(prefix = "portal_test", name = `${prefix}_${Date.now()}_${randomBytes(3).toString("hex")}`) {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    name,
    url: testDatabaseUrl(name),
    async drop() {
      const client = new pg.Client({ connectionString: SERVER_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface Portal {
  baseUrl: string;
  dataDir: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

// Portals a test file forgot to stop would outlive it (and slow every later test): when the test
// process ends, whatever is still running is killed.
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

/** The portal with everything it started (its embedded PostgreSQL, `next start`'s own children). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

// What Next or the portal print when start-up failed for good: waiting longer cannot help.
const START_FAILED = /"msg":"could not start"|"level":"fatal"|Failed to start server|EADDRINUSE|Could not find a production build/;

/**
 * `root` is the checkout to start from (default this one); `dataDir: null` leaves PORTAL_DATA_DIR
 * unset, so the portal uses its default `.data/` inside `root`.
 */
export async function startPortal(
  options: { databaseUrl?: string; dataDir?: string | null; root?: string; env?: Record<string, string> } = {},
): Promise<Portal> {
  const port = await freePort();
  const root = options.root ?? ROOT;
  const dataDir = options.dataDir === null ? path.join(root, ".data") : (options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "portal-test-")));
  // mkdtemp makes it 0700: sandboxes under it must be reachable by their own uids.
  if (options.dataDir === undefined) chmodSync(dataDir, 0o711);
  let output = "";
  const { PORTAL_DATA_DIR: _inherited, ...inheritedEnv } = process.env;
  const child = spawn(process.execPath, [path.join(root, "scripts/server.mjs")], {
    cwd: root,
    env: {
      ...inheritedEnv,
      NEXT_TELEMETRY_DISABLED: "1",
      NEXT_MANUAL_SIG_HANDLE: "1",
      PORT: String(port),
      ...(options.dataDir === null ? {} : { PORTAL_DATA_DIR: dataDir }),
      PORTAL_ADMIN_EMAIL: ADMIN.email,
      PORTAL_ADMIN_PASSWORD: ADMIN.password,
      NEXTAUTH_URL: `http://localhost:${port}`,
      // Tests poll hard (every 100 ms, several loops at once); the rate limit has tests of its own.
      PORTAL_API_RATE_LIMIT: "1000000",
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const baseUrl = `http://localhost:${port}`;
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => running.delete(child));
  const deadline = Date.now() + 60_000;
  const failed = async (why: string) => {
    killGroup(child, "SIGKILL");
    await exited;
    return new Error(`${why}:\n${output}`);
  };
  for (;;) {
    if (child.exitCode !== null) throw await failed("portal exited early");
    if (START_FAILED.test(output)) throw await failed("portal could not start");
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      const body = (await response.json()) as { status: string };
      if (body.status === "ok") break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw await failed("portal did not become healthy");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    baseUrl,
    dataDir,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
    // kill -9 of the portal's process alone, as a crash does (its embedded PostgreSQL is left behind).
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

export function removeDir(dir: string) {
  if (dir) unmountUnder(dir);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A root portal mounts each sandbox's disk image at its directory (lib/sandboxes/limits.ts) and
 * leaves it mounted when it stops: unmounted here, deepest first, or rm would stop at the mount
 * point and the loop device would stay taken.
 */
function unmountUnder(dir: string) {
  const prefix = `${path.resolve(dir)}/`;
  const mountPoints = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4]?.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((mountPoint): mountPoint is string => !!mountPoint && mountPoint.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mountPoints) {
    if (spawnSync("umount", [mountPoint]).status !== 0) spawnSync("umount", ["-l", mountPoint]);
  }
}

export interface PortalFixture {
  db: TestDatabase;
  /** A test that restarts the portal puts the new one here, so `close` stops that one. */
  portal: Portal;
  /** The bootstrap admin (owner of the default team), through a personal token. */
  api: Api;
  teamId: string;
  close(): Promise<void>;
}

/** What most test files share: a database of their own, a portal on it, and the admin's client. */
export async function openPortal(options: { env?: Record<string, string> } = {}): Promise<PortalFixture> {
  const db = await createTestDatabase();
  let portal: Portal | undefined;
  try {
    portal = await startPortal({ databaseUrl: db.url, env: options.env });
    const api = await apiFor(portal.baseUrl);
    const fixture: PortalFixture = {
      db,
      portal,
      api,
      teamId: await defaultTeamId(api),
      close: async () => {
        await fixture.portal.stop();
        removeDir(fixture.portal.dataDir);
        await db.drop();
      },
    };
    return fixture;
  } catch (error) {
    await portal?.stop();
    removeDir(portal?.dataDir ?? "");
    await db.drop();
    throw error;
  }
}

/** Signs in like a browser (csrf + credentials callback) and returns the cookie header. */
export async function signIn(baseUrl: string, email = ADMIN.email, password = ADMIN.password): Promise<string> {
  const csrfResponse = await fetch(`${baseUrl}/api/auth/csrf`);
  const cookies = csrfResponse.headers.getSetCookie().map((cookie) => cookie.split(";")[0]);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
    redirect: "manual",
  });
  const all = [...cookies, ...response.headers.getSetCookie().map((cookie) => cookie.split(";")[0])];
  const session = all.find((cookie) => cookie?.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`sign-in failed (${response.status})`);
  return all.join("; ");
}

export interface Api {
  baseUrl: string;
  token: string;
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  get(url: string): Promise<any>;
  post(url: string, body?: unknown): Promise<any>;
  /** POST /api/tokens with the browser sign-in this client came from (a token cannot mint tokens). */
  createToken(body: unknown): Promise<{ status: number; body: any; headers: Headers }>;
}

/** An API client with a personal token, created through the contract like a script would. */
export async function apiFor(baseUrl: string, email = ADMIN.email, password = ADMIN.password): Promise<Api> {
  const cookie = await signIn(baseUrl, email, password);
  const created = await fetch(`${baseUrl}/api/tokens`, {
    method: "POST",
    headers: { cookie, origin: baseUrl, "content-type": "application/json" },
    body: JSON.stringify({ name: "tests" }),
  });
  const { token } = (await created.json()) as { token: string };
  return tokenClient(baseUrl, token, cookie);
}

/** An API client for a bearer token. */
export function tokenClient(baseUrl: string, token: string, cookie?: string): Api {
  const api: Api = {
    baseUrl,
    token,
    async request(method, url, body, headers = {}) {
      const response = await fetch(`${baseUrl}${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async get(url) {
      const result = await api.request("GET", url);
      if (result.status >= 400) throw new Error(`GET ${url} → ${result.status} ${JSON.stringify(result.body)}`);
      return result.body;
    },
    async post(url, body) {
      const result = await api.request("POST", url, body ?? {});
      if (result.status >= 400) throw new Error(`POST ${url} → ${result.status} ${JSON.stringify(result.body)}`);
      return result.body;
    },
    async createToken(body) {
      if (!cookie) throw new Error("this client has no browser sign-in to create tokens with");
      const response = await fetch(`${baseUrl}/api/tokens`, {
        method: "POST",
        headers: { cookie, origin: baseUrl, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json(), headers: response.headers };
    },
  };
  return api;
}

export async function defaultTeamId(api: Api): Promise<string> {
  const me = await api.get("/api/me");
  return me.teams[0].id;
}

/** Polls until the predicate holds, or fails with the last value seen. */
export async function waitFor<T>(read: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    if (predicate(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(last).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Reads a session's stored events after this index (all of them by default) through the contract (keyset pages). */
export async function allEvents(api: Api, sessionId: string, after = 0) {
  const events: Array<{ index: number; sender: string; createdAt: string; payload: any }> = [];
  for (;;) {
    const page = await api.get(`/api/sessions/${sessionId}/events?after=${after}&limit=500`);
    events.push(...page.items);
    if (!page.nextCursor) return events;
    after = Number(page.nextCursor);
  }
}

/** Waits for the turn to end and the session to be idle again. */
export async function waitForIdle(api: Api, sessionId: string, timeoutMs = 60_000) {
  return waitFor(
    () => api.get(`/api/sessions/${sessionId}`),
    (session) => session.status === "idle",
    timeoutMs,
    100,
  );
}

/** The runtime a session's agent runs on, as /api/admin/runtime shows it (to `admin`, an instance admin): its sandbox's, or the shared one. */
export async function sessionRuntime(api: Api, sessionId: string, admin: Api = api) {
  const { sandboxId } = await api.get(`/api/sessions/${sessionId}`);
  const overview = await admin.get("/api/admin/runtime");
  return (overview.sandboxes?.find((sandbox: { sandboxId: string }) => sandbox.sandboxId === sandboxId) ?? overview) as {
    pid: number;
    status: string;
    restarts: number;
    unansweredSince: string | null;
    stream: { recovered: number; lost: number };
  };
}

/** Kills the runtime a session's agent runs on, as a crash would, and waits for its restart. */
export async function killSessionRuntime(api: Api, sessionId: string, admin: Api = api) {
  const before = await sessionRuntime(api, sessionId, admin);
  if (!(before.pid > 0)) throw new Error(`no runtime pid for session ${sessionId}: ${JSON.stringify(before)}`);
  process.kill(before.pid, "SIGKILL");
  await waitFor(
    () => sessionRuntime(api, sessionId, admin),
    (info) => info.status === "ok" && info.pid !== before.pid,
    30_000,
  );
  return before;
}

/** A sandbox-agent server the portal does not own (SANDBOX_AGENT_URL), with the demo agent installed. */
export interface ExternalRuntime {
  url: string;
  token: string;
  env: Record<string, string>;
  pid(): number | undefined;
  start(): Promise<void>;
  /** kill -9, as a crash would. */
  stop(): Promise<void>;
  remove(): Promise<void>;
}

export async function externalRuntime(): Promise<ExternalRuntime> {
  const { runtimeBinary } = await import("@/lib/process-utils");
  const binary = runtimeBinary();
  const home = mkdtempSync(path.join(os.tmpdir(), "external-runtime-"));
  // Imported here, not at the top: the module is server-only, and the e2e runner (plain Node, no
  // vitest alias) loads this file for its database and user helpers.
  const { installDemoAgent } = await import("@/lib/runtime/demo-agent");
  installDemoAgent(home, ROOT);
  const token = randomBytes(16).toString("hex");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const runtime: ExternalRuntime = {
    url,
    token,
    env: { SANDBOX_AGENT_URL: url, SANDBOX_AGENT_TOKEN: token },
    pid: () => child?.pid,
    async start() {
      child = spawn(binary, ["server", "--token", token, "--no-telemetry", "--host", "127.0.0.1", "--port", String(port)], {
        env: { ...process.env, XDG_DATA_HOME: home, SANDBOX_AGENT_ACP_REQUEST_TIMEOUT_MS: "3600000" },
        stdio: "ignore",
      });
      running.add(child);
      await waitFor(
        () =>
          fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${token}` } })
            .then((r) => r.ok)
            .catch(() => false),
        (ok) => ok,
        15_000,
      );
    },
    async stop() {
      const stopping = child;
      child = null;
      if (!stopping || stopping.exitCode !== null) return;
      const exited = new Promise((resolve) => stopping.once("exit", resolve));
      stopping.kill("SIGKILL");
      await exited;
      running.delete(stopping);
    },
    async remove() {
      await runtime.stop();
      removeDir(home);
    },
  };
  await runtime.start();
  return runtime;
}
