import { createHash, randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { allEvents, tokenClient, waitFor, type Api } from "./harness";

// Shared by the session-api tests: extra users, teams and roles written straight into the test
// database (the teams/members API is not part of this work), each with a personal token stored the
// way the portal stores it (sha256 hex), and a few readers over the contract.

export type Role = "viewer" | "member" | "admin" | "owner";

async function withClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a team in the database and returns its id. */
export function createTeam(databaseUrl: string, name: string): Promise<string> {
  return withClient(databaseUrl, async (client) => {
    const id = randomUUID();
    await client.query("INSERT INTO teams (id, name) VALUES ($1, $2)", [id, name]);
    return id;
  });
}

/** Creates a user with the given role in a team and a personal token; returns a client for it. */
export function createMember(baseUrl: string, databaseUrl: string, options: { teamId: string; role: Role; name?: string }): Promise<Api & { userId: string }> {
  return withClient(databaseUrl, async (client) => {
    const userId = randomUUID();
    const email = `${options.role}-${randomBytes(4).toString("hex")}@example.test`;
    // A password hash no password verifies against: this user signs in with its token only.
    await client.query("INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, 'scrypt$16384$8$1$invalid$invalid')", [
      userId,
      email,
      options.name ?? `${options.role} user`,
    ]);
    await client.query('INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, $3::"Role")', [options.teamId, userId, options.role]);
    const token = `ap_${randomBytes(24).toString("base64url")}`;
    await client.query("INSERT INTO api_tokens (id, user_id, name, token_hash) VALUES ($1, $2, 'tests', $3)", [
      randomUUID(),
      userId,
      createHash("sha256").update(token).digest("hex"),
    ]);
    return { ...tokenClient(baseUrl, token), userId };
  });
}

/** Runs SQL against the test database (to look at rows the contract does not show). */
export function sql<T extends pg.QueryResultRow = Record<string, unknown>>(databaseUrl: string, text: string, values: unknown[] = []): Promise<T[]> {
  return withClient(databaseUrl, async (client) => (await client.query<T>(text, values)).rows);
}

/** Checks a response is a problem+json of the given status (and code, when given) with the contract's fields. */
export function expectProblem(response: { status: number; body: any; headers: Headers }, status: number, code?: string) {
  const problem = response.body;
  const ok =
    response.status === status &&
    typeof problem?.code === "string" &&
    (code === undefined || problem.code === code) &&
    (response.headers.get("content-type") ?? "").startsWith("application/problem+json") &&
    problem?.status === status &&
    typeof problem?.title === "string" &&
    typeof problem?.detail === "string" &&
    typeof problem?.type === "string" &&
    typeof problem?.requestId === "string" &&
    response.headers.get("x-request-id") === problem?.requestId;
  if (!ok)
    throw new Error(
      `expected a ${status}${code ? ` ${code}` : ""} problem+json, got ${response.status} ${response.headers.get("content-type")}: ${JSON.stringify(problem)}`,
    );
  return problem as {
    type: string;
    title: string;
    status: number;
    code: string;
    detail: string;
    requestId: string;
    errors?: Array<{ path: string; message: string }>;
  };
}

/** Creates a demo session through the contract. */
export async function createDemoSession(api: Api, teamId: string, extra: Record<string, unknown> = {}) {
  const response = await api.request("POST", "/api/sessions", { teamId, agent: "demo", ...extra });
  if (response.status !== 201) throw new Error(`create → ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Waits for the session's first pending permission (as the session JSON shows it). */
export async function waitForPermission(api: Api, sessionId: string) {
  const session = await waitFor(
    () => api.get(`/api/sessions/${sessionId}`),
    (s) => s.pendingPermissions.length > 0,
    30_000,
  );
  return session.pendingPermissions[0] as {
    id: string;
    createdAt: string;
    toolCall: { title: string; kind: string; rawInput?: unknown };
    options: Array<{ optionId: string; name: string; kind: string }>;
  };
}

/** Waits until the history holds an event matching the predicate; returns all events. */
export async function waitForEvent(
  api: Api,
  sessionId: string,
  predicate: (event: { index: number; sender: string; payload: any }) => boolean,
  timeoutMs = 30_000,
) {
  return waitFor(
    () => allEvents(api, sessionId),
    (events) => events.some(predicate),
    timeoutMs,
    150,
  );
}

export function agentUpdates(events: Array<{ payload: any }>, kind: string) {
  return events
    .filter((event) => event.payload?.method === "session/update" && event.payload?.params?.update?.sessionUpdate === kind)
    .map((event) => event.payload.params.update);
}

export function portalEvents(events: Array<{ sender: string; payload: any }>, type: string) {
  return events.filter((event) => event.sender === "portal" && event.payload?.type === type).map((event) => event.payload);
}
