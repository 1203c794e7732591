import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb, setDatabaseUrl } from "@/lib/db/client";
import { runMigrations } from "@/lib/db/migrate";
import { setCredential } from "@/lib/gateway/credentials";
import { openGateway, type GatewayEndpoint } from "@/lib/gateway/gateway";
import { metricsText } from "@/lib/metrics";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { createTestDatabase, removeDir, ROOT, waitFor, type TestDatabase } from "./harness";

// The model gateway on its own, against a real PostgreSQL and an upstream on loopback that answers
// as the Anthropic and OpenAI APIs do: the sandbox's token is the only key it takes, the team's key is
// the one upstream sees, a stream goes through as it is written, and each call leaves one row.

const dataDir = mkdtempSync(path.join(os.tmpdir(), "portal-gateway-"));
process.env.PORTAL_DATA_DIR = dataDir;
process.env.ANTHROPIC_API_KEY = "";
process.env.OPENAI_API_KEY = "";

let database: TestDatabase;
let client: pg.Client;
let upstream: http.Server;
let upstreamUrl: string;
const seen: Array<{ path: string; headers: http.IncomingHttpHeaders; body: string }> = [];
// The streamed answer holds its last event until the test lets it go.
let release: () => void = () => undefined;
const socketDir = mkdtempSync(path.join(os.tmpdir(), "portal-gateway-sock-"));
const socketAgent = (socketPath: string) => new Agent({ connect: { socketPath } });

beforeAll(async () => {
  database = await createTestDatabase();
  await runMigrations(database.url, path.join(ROOT, "prisma", "migrations"));
  setDatabaseUrl(database.url);
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(`INSERT INTO users (id, email, name, password_hash) VALUES ('alice', 'a@example.test', 'A', 'x'), ('bob', 'b@example.test', 'B', 'x')`);
  await client.query(`INSERT INTO teams (id, name) VALUES ('team-a', 'A'), ('team-b', 'B')`);
  await client.query(
    `INSERT INTO sandboxes (id, team_id, provider, status, workspace) VALUES ('sbx-a', 'team-a', 'bwrap', 'running', '/workspace'), ('sbx-b', 'team-b', 'bwrap', 'running', '/workspace')`,
  );
  await client.query(`INSERT INTO sessions (id, team_id, created_by, title, agent, sandbox_id) VALUES ('ses-a', 'team-a', 'alice', 'S', 'claude', 'sbx-a')`);
  await setCredential({ teamId: "team-a", actorId: "alice", provider: "anthropic", apiKey: "sk-ant-team-a-secret" });
  await setCredential({ teamId: "team-b", actorId: "bob", provider: "anthropic", apiKey: "sk-ant-team-b-secret" });

  // The handler answers through res; an unhandled failure here fails the test run loudly.
  upstream = http.createServer((req, res) => void respond(req, res));
  async function respond(req: http.IncomingMessage, res: http.ServerResponse) {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({ path: req.url ?? "", headers: req.headers, body });
    if (req.url === "/v1/messages") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(
        `event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { model: "claude-sonnet-4-5", usage: { input_tokens: 1000, output_tokens: 1 } } })}\n\n`,
      );
      await new Promise<void>((resolve) => (release = resolve));
      res.end(
        `event: message_delta\ndata: ${JSON.stringify({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 500 } })}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n`,
      );
    } else if (req.url === "/v1/messages/count_tokens") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ input_tokens: 3 }));
    } else if (req.url === "/v1/responses") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ model: "gpt-5", usage: { input_tokens: 10, output_tokens: 2 } }));
    } else {
      res.writeHead(404).end();
    }
  }
  upstream.listen(0, "127.0.0.1");
  await once(upstream, "listening");
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  await client.query(`UPDATE team_credentials SET base_url = $1`, [upstreamUrl]);
});

afterAll(async () => {
  upstream?.close();
  await client?.end();
  await disconnectDb();
  await database?.drop();
  removeDir(dataDir);
  removeDir(socketDir);
});

async function gatewayFor(sandboxId: string, turns: Array<{ sessionId: string; userId: string | null }> = []): Promise<GatewayEndpoint> {
  return openGateway({ socketPath: path.join(socketDir, `${sandboxId}.sock`), caller: { sandboxId, teamKeys: true, runningTurns: () => turns } });
}

function call(
  endpoint: GatewayEndpoint,
  urlPath: string,
  { key = endpoint.token, body = { model: "claude-sonnet-4-5", stream: true, messages: [] } }: { key?: string; body?: object } = {},
) {
  return request(`http://gateway${urlPath}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key, "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
    dispatcher: socketAgent(endpoint.address),
  });
}

describe("the model gateway", () => {
  it("refuses any key but its sandbox's token, in the provider's own error shape", async () => {
    const a = await gatewayFor("sbx-a");
    const b = await gatewayFor("sbx-b");
    try {
      for (const key of ["", "sk-ant-team-a-secret", b.token, `${a.token}x`]) {
        const answer = await call(a, "/anthropic/v1/messages", { key });
        expect(answer.statusCode).toBe(401);
        expect(await answer.body.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
      }
      expect(seen).toHaveLength(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("streams each event on as it comes, with the team's own key upstream, and records the call", async () => {
    const endpoint = await gatewayFor("sbx-a", [{ sessionId: "ses-a", userId: "alice" }]);
    try {
      const answer = await call(endpoint, "/anthropic/v1/messages");
      expect(answer.statusCode).toBe(200);
      const reader = (answer.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      // The first event arrives while the upstream still holds the rest: nothing is buffered.
      const first = await reader.next();
      expect(String(first.value)).toContain("message_start");
      release();
      let rest = "";
      for (let next = await reader.next(); !next.done; next = await reader.next()) rest += String(next.value);
      expect(rest).toContain("message_stop");

      const sent = seen.at(-1)!;
      expect(sent.headers["x-api-key"]).toBe("sk-ant-team-a-secret");
      expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
      expect(JSON.stringify(sent.headers)).not.toContain(endpoint.token);

      const [row] = (
        await waitFor(
          () => client.query(`SELECT * FROM model_calls WHERE session_id = 'ses-a'`),
          (result) => result.rows.length === 1,
        )
      ).rows;
      expect(row).toMatchObject({
        team_id: "team-a",
        sandbox_id: "sbx-a",
        user_id: "alice",
        provider: "anthropic",
        model: "claude-sonnet-4-5",
        input_tokens: 1000,
        output_tokens: 500,
        status: 200,
      });
      expect(Number(row.cost_usd)).toBeCloseTo(0.0105, 6);
    } finally {
      await endpoint.close();
    }
  });

  it("uses each team's own key, and says plainly when a team has none", async () => {
    const b = await gatewayFor("sbx-b");
    try {
      const answer = await call(b, "/anthropic/v1/messages/count_tokens", { body: { model: "claude-sonnet-4-5", messages: [] } });
      expect(await answer.body.json()).toEqual({ input_tokens: 3 });
      expect(seen.at(-1)!.headers["x-api-key"]).toBe("sk-ant-team-b-secret");
      // A count is not a model call.
      expect((await client.query(`SELECT count(*)::int AS n FROM model_calls WHERE team_id = 'team-b'`)).rows[0].n).toBe(0);

      const openai = await request("http://gateway/openai/v1/responses", {
        method: "POST",
        headers: { authorization: `Bearer ${b.token}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-5", input: "hi" }),
        dispatcher: socketAgent(b.address),
      });
      expect(openai.statusCode).toBe(401);
      expect(await openai.body.json()).toMatchObject({ error: { message: expect.stringContaining("No OpenAI key for this team") } });

      await setCredential({ teamId: "team-b", actorId: "bob", provider: "openai", apiKey: "sk-openai-team-b", baseUrl: `${upstreamUrl}/v1` });
      const again = await request("http://gateway/openai/v1/responses", {
        method: "POST",
        headers: { authorization: `Bearer ${b.token}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-5", input: "hi" }),
        dispatcher: socketAgent(b.address),
      });
      expect(await again.body.json()).toMatchObject({ model: "gpt-5" });
      expect(seen.at(-1)).toMatchObject({ path: "/v1/responses", headers: { authorization: "Bearer sk-openai-team-b" } });
      const rows = (
        await waitFor(
          () => client.query(`SELECT * FROM model_calls WHERE team_id = 'team-b'`),
          (result) => result.rows.length === 1,
        )
      ).rows;
      // No running turn in that sandbox: the call is the team's, of no session.
      expect(rows[0]).toMatchObject({ provider: "openai", model: "gpt-5", input_tokens: 10, output_tokens: 2, session_id: null, user_id: null });
    } finally {
      await b.close();
    }
  });

  it("counts its calls and tokens in the metrics by provider, model family and status, never by the agent's own model string", async () => {
    const a = await gatewayFor("sbx-a");
    try {
      // A model name the agent made up is one more call of model "other", not a new series.
      await (await call(a, "/anthropic/v1/messages/other", { body: { model: `made-up-${Date.now()}` } })).body.text();
    } finally {
      await a.close();
    }
    const families = parsePrometheusTextFormat((await metricsText()).text) as Array<{
      name: string;
      metrics: Array<{ value: string; labels?: Record<string, string> }>;
    }>;
    const value = (name: string, labels: Record<string, string>) =>
      Number(
        families.find((family) => family.name === name)?.metrics.find((metric) => Object.entries(labels).every(([key, v]) => metric.labels?.[key] === v))
          ?.value ?? 0,
      );
    const calls = families.find((family) => family.name === "portal_gateway_calls_total")!.metrics;
    // Refused keys (401 before any upstream) and token counts are not model calls.
    expect(calls.map((metric) => metric.labels).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual([
      { provider: "anthropic", model: "claude-sonnet-4", status: "200" },
      { provider: "anthropic", model: "other", status: "404" },
      { provider: "openai", model: "gpt-5", status: "200" },
      { provider: "openai", model: "unknown", status: "no_key" },
    ]);
    expect(calls.every((metric) => metric.value === "1")).toBe(true);
    expect(value("portal_gateway_tokens_total", { provider: "anthropic", model: "claude-sonnet-4", direction: "input" })).toBe(1000);
    expect(value("portal_gateway_tokens_total", { provider: "anthropic", model: "claude-sonnet-4", direction: "output" })).toBe(500);
    expect(value("portal_gateway_tokens_total", { provider: "openai", model: "gpt-5", direction: "output" })).toBe(2);
    expect(value("portal_gateway_cost_usd_total", { provider: "anthropic" })).toBeCloseTo(0.0105, 6);
  });

  it("keeps the keys sealed at rest", async () => {
    const { rows } = await client.query(`SELECT encrypted_key, key_hint FROM team_credentials WHERE team_id = 'team-a'`);
    expect(rows[0].encrypted_key).not.toContain("team-a-secret");
    expect(rows[0].key_hint).toBe("cret");
  });
});
