import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepository, startGitServer, type GitServer } from "../fixtures/git-server";
import { allEvents, apiFor, openPortal, signIn, waitForIdle, type PortalFixture } from "./harness";
import { expectKeysetPaging } from "./paging";

// Repositories, Changes and Push against real git: a bare repository behind a smart-HTTP server
// that wants a token, the real portal, the real runtime and the demo agent in real jails.

const TOKEN = `tok_${Math.random().toString(36).slice(2)}_secret`;
let fixture: PortalFixture;
let server: GitServer;
let repositoryId: string;

beforeAll(async () => {
  server = await startGitServer(TOKEN);
  makeRepository(server.root, "demo.git", {
    "README.md": "# Demo\n",
    "src/a.txt": "one\ntwo\n",
    "old.txt": "moving\nfile\nwith\nlines\n",
    "logo.bin": Buffer.from([0, 1, 2, 3, 255, 0]),
  });
  fixture = await openPortal();
  const added = await fixture.api.request("POST", `/api/teams/${fixture.teamId}/repositories`, {
    name: "demo",
    url: `${server.url}/demo.git`,
    defaultBranch: "main",
    token: TOKEN,
  });
  expect(added.status).toBe(201);
  expect(JSON.stringify(added.body)).not.toContain(TOKEN);
  repositoryId = added.body.id;
}, 180_000);

afterAll(async () => {
  await fixture?.close();
  await server?.close();
});

async function sandboxCount() {
  return (await fixture.api.get(`/api/sandboxes?teamId=${fixture.teamId}&limit=500`)).items.length as number;
}

async function prompt(sessionId: string, text: string) {
  await fixture.api.post(`/api/sessions/${sessionId}/prompt`, { text });
  await waitForIdle(fixture.api, sessionId);
}

describe("repositories", () => {
  it("refuses credentials inside the URL and keeps the token out of every answer", async () => {
    const bad = await fixture.api.request("POST", `/api/teams/${fixture.teamId}/repositories`, { name: "x", url: `http://user:${TOKEN}@127.0.0.1/x.git` });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe("url");
    const list = await fixture.api.get(`/api/teams/${fixture.teamId}/repositories`);
    expect(list.items).toEqual([expect.objectContaining({ name: "demo", hasToken: true })]);
    expect(JSON.stringify(list)).not.toContain(TOKEN);
  });

  it("are listed by name in keyset pages, in the API and on Settings", async () => {
    const names = ["page-c", "page-a", "page-b"];
    const added: string[] = [];
    for (const name of names)
      added.push((await fixture.api.post(`/api/teams/${fixture.teamId}/repositories`, { name, url: `${server.url}/demo.git`, defaultBranch: "main" })).id);
    try {
      const listed = await expectKeysetPaging(fixture.api, `/api/teams/${fixture.teamId}/repositories`, { atLeast: 4, key: "name" });
      expect(listed.map((repository) => repository.name)).toEqual(["demo", "page-a", "page-b", "page-c"]);
      // Settings shows the first page and links the next; here all four fit on it.
      const html = await fetch(`${fixture.portal.baseUrl}/teams/${fixture.teamId}/settings`, {
        headers: { cookie: await signIn(fixture.portal.baseUrl) },
      }).then((response) => response.text());
      expect([...html.matchAll(/data-testid="repository-row" data-name="([^"]+)"/g)].map((match) => match[1])).toEqual(["demo", "page-a", "page-b", "page-c"]);
      expect(html).not.toContain('data-testid="repositories-more"');
    } finally {
      for (const id of added) expect((await fixture.api.request("DELETE", `/api/teams/${fixture.teamId}/repositories/${id}`)).status).toBe(204);
    }
  });

  it("a wrong token fails the clone clearly and leaves no sandbox", async () => {
    const wrong = await fixture.api.post(`/api/teams/${fixture.teamId}/repositories`, {
      name: "demo-wrong",
      url: `${server.url}/demo.git`,
      defaultBranch: "main",
      token: "not-the-token",
    });
    const before = await sandboxCount();
    const created = await fixture.api.request("POST", "/api/sessions", { teamId: fixture.teamId, agent: "demo", repositoryId: wrong.id });
    expect(created.status).toBe(422);
    expect(created.body.code).toBe("clone_failed");
    expect(created.body.detail).toMatch(/Authentication failed|401|could not read/i);
    expect(created.body.detail).not.toContain("not-the-token");
    expect(await sandboxCount()).toBe(before);
    const missing = await fixture.api.request("POST", "/api/sessions", { teamId: fixture.teamId, agent: "demo", repositoryId, branch: "no-such-branch" });
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe("clone_failed");
  });
});

describe("a session started from a repository", () => {
  let sessionId: string;
  let sandboxId: string;
  const base = () => server.git("demo.git", "rev-parse", "main").trim();

  beforeAll(async () => {
    const created = await fixture.api.request("POST", "/api/sessions", { teamId: fixture.teamId, agent: "demo", repositoryId, title: "Add notes" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    sessionId = created.body.id;
    sandboxId = created.body.sandboxId;
  }, 120_000);

  it("records the base commit, and the clone is the sandbox's own", async () => {
    const sandbox = await fixture.api.get(`/api/sandboxes/${sandboxId}`);
    expect(sandbox.repository).toEqual({ id: repositoryId, branch: "main", baseCommit: base() });
    await prompt(sessionId, "/cat src/a.txt");
    const events = await allEvents(fixture.api, sessionId);
    expect(JSON.stringify(events)).toContain("one\\ntwo");
    await prompt(sessionId, "/whoami");
  });

  it("keeps the token out of the workspace, the home, the sandbox's processes and the history", async () => {
    const hostDir = path.join(fixture.portal.dataDir, "sandboxes", sandboxId);
    const grep = execFileSync("sh", ["-c", `grep -rl -- "$1" "$2" || true`, "sh", TOKEN, hostDir], { encoding: "utf8" });
    expect(grep.trim()).toBe("");
    // Every process running as a sandbox uid (200000+): none has the token in its environment or argv.
    for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
      try {
        const status = readFileSync(`/proc/${pid}/status`, "utf8");
        const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
        if (uid < 200_000) continue;
        expect(readFileSync(`/proc/${pid}/environ`, "latin1")).not.toContain(TOKEN);
        expect(readFileSync(`/proc/${pid}/cmdline`, "latin1")).not.toContain(TOKEN);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT" && (error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      }
    }
    expect(JSON.stringify(await allEvents(fixture.api, sessionId))).not.toContain(TOKEN);
  });

  it("shows what the agent wrote in Changes, with diffs, a patch and an archive", async () => {
    await prompt(sessionId, "/write notes.txt hello from the agent");
    await prompt(sessionId, "/write src/a.txt one changed");
    const changes = await fixture.api.get(`/api/sandboxes/${sandboxId}/changes`);
    expect(changes.baseCommit).toBe(base());
    expect(changes.items).toEqual([
      { path: "notes.txt", status: "added", additions: 1, deletions: 0, binary: false },
      { path: "src/a.txt", status: "modified", additions: 1, deletions: 2, binary: false },
    ]);
    const diff = await fixture.api.request("GET", `/api/sandboxes/${sandboxId}/changes/diff?path=src/a.txt`);
    expect(diff.status).toBe(200);
    expect(diff.headers.get("content-type")).toContain("text/plain");
    expect(diff.body).toContain("-one\n-two\n+one changed");
    const patch = await fixture.api.request("GET", `/api/sandboxes/${sandboxId}/changes.patch`);
    expect(patch.headers.get("content-disposition")).toContain("attachment");
    expect(patch.body).toContain("diff --git a/notes.txt b/notes.txt");
    expect(patch.body).toContain("+hello from the agent");
    const archive = await fetch(`${fixture.api.baseUrl}/api/sandboxes/${sandboxId}/archive`, { headers: { authorization: `Bearer ${fixture.api.token}` } });
    expect(archive.status).toBe(200);
    const listing = execFileSync("tar", ["-tzf", "-"], { input: Buffer.from(await archive.arrayBuffer()), encoding: "utf8" });
    expect(listing).toContain("./notes.txt");
    expect(listing).toContain("./src/a.txt");
    const outside = await fixture.api.request("GET", `/api/sandboxes/${sandboxId}/changes/diff?path=../../etc/passwd`);
    expect(outside.status).toBe(404);
  });

  it("pushes a new branch as the member, then fast-forwards it after more work", async () => {
    const first = await fixture.api.request("POST", `/api/sandboxes/${sandboxId}/push`, { branch: "agent/notes", message: "Add notes" });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.branch).toBe("agent/notes");
    expect(server.git("demo.git", "rev-parse", "agent/notes").trim()).toBe(first.body.commit);
    const [author, committer, subject, parent] = server.git("demo.git", "log", "-1", "--format=%an <%ae>%n%cn <%ce>%n%s%n%P", "agent/notes").trim().split("\n");
    const me = await fixture.api.get("/api/me");
    expect(author).toBe(`${me.user.name} <${me.user.email}>`);
    expect(committer).toBe(author);
    expect(subject).toBe("Add notes");
    expect(parent).toBe(base());
    expect(server.git("demo.git", "show", "agent/notes:notes.txt")).toBe("hello from the agent");

    const again = await fixture.api.request("POST", `/api/sandboxes/${sandboxId}/push`, { branch: "agent/notes", message: "Nothing new" });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("nothing_to_push");

    await prompt(sessionId, "/write more.txt second round");
    const sinceLastPush = await fixture.api.get(`/api/sandboxes/${sandboxId}/changes?against=push`);
    expect(sinceLastPush.items.map((item: { path: string }) => item.path)).toEqual(["more.txt"]);
    const second = await fixture.api.request("POST", `/api/sandboxes/${sandboxId}/push`, { branch: "agent/notes", message: "More" });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(server.git("demo.git", "log", "-1", "--format=%P", "agent/notes").trim()).toBe(first.body.commit);

    const events = await allEvents(fixture.api, sessionId);
    const pushed = events.filter((event) => event.payload?.type === "pushed");
    expect(pushed.map((event) => event.payload.commit)).toEqual([first.body.commit, second.body.commit]);
    const audit = await fixture.api.get(`/api/teams/${fixture.teamId}/audit?limit=100`);
    expect(audit.items.filter((entry: { action: string }) => entry.action === "sandbox.push")).toHaveLength(2);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it("says why the remote refused a push", async () => {
    const refused = await fixture.api.request("POST", `/api/sandboxes/${sandboxId}/push`, { branch: "protected/main", message: "Try" });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe("push_refused");
    expect(refused.body.detail).toContain("protected by policy");
    const badName = await fixture.api.request("POST", `/api/sandboxes/${sandboxId}/push`, { branch: "-x/../y", message: "Try" });
    expect(badName.status).toBe(422);
  });
});

describe("the team's MCP servers and skills", () => {
  it("are versioned: a write naming a version another admin replaced is refused (412), and of racing writes on one version exactly one lands", async () => {
    const email = `second-admin-${Date.now()}@example.test`;
    const password = "a-long-enough-password";
    expect((await fixture.api.request("POST", `/api/teams/${fixture.teamId}/members`, { email, role: "admin", password })).status).toBe(201);
    const other = await apiFor(fixture.portal.baseUrl, email, password);
    const url = `/api/teams/${fixture.teamId}/mcp`;
    const local = (name: string) => ({ name, type: "local", command: "node", args: [`/opt/mcp/${name}.js`] });

    // Both admins read the same version.
    const [mine, theirs] = await Promise.all([fixture.api.request("GET", url), other.request("GET", url)]);
    const etag = mine.headers.get("etag")!;
    expect(etag).toMatch(/^"\d+"$/);
    expect(theirs.headers.get("etag")).toBe(etag);
    const first = await fixture.api.request("PUT", url, { servers: [...mine.body.servers, local("alpha")] }, { "if-match": etag });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const next = first.headers.get("etag")!;
    expect(Number(JSON.parse(next))).toBe(Number(JSON.parse(etag)) + 1);

    // The other admin's write on what they read would drop alpha: refused, alpha kept.
    const stale = await other.request("PUT", url, { servers: [...theirs.body.servers, local("beta")] }, { "if-match": etag });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: "edited_meanwhile", title: "Precondition Failed" });
    expect((await other.get(url)).servers.map((server: { name: string }) => server.name)).toEqual(["alpha"]);
    // Read again, write on that: both are kept.
    const fresh = await other.request("GET", url);
    const merged = await other.request("PUT", url, { servers: [...fresh.body.servers, local("beta")] }, { "if-match": fresh.headers.get("etag")! });
    expect(merged.status).toBe(200);
    expect(merged.body.servers.map((server: { name: string }) => server.name)).toEqual(["alpha", "beta"]);

    // Five writes racing on one version: one lands, four are told.
    const racing = merged.headers.get("etag")!;
    const results = await Promise.all(
      ["c1", "c2", "c3", "c4", "c5"].map((name, index) =>
        (index % 2 ? other : fixture.api).request("PUT", url, { servers: [local(name)] }, { "if-match": racing }),
      ),
    );
    expect(results.map((result) => result.status).sort()).toEqual([200, 412, 412, 412, 412]);
    const winner = results.find((result) => result.status === 200)!.body.servers[0].name as string;
    const after = await fixture.api.request("GET", url);
    expect(after.body.servers.map((server: { name: string }) => server.name)).toEqual([winner]);
    expect(Number(JSON.parse(after.headers.get("etag")!))).toBe(Number(JSON.parse(racing)) + 1);

    // Skills keep their own version: the MCP writes did not move it.
    const skills = await fixture.api.request("GET", `/api/teams/${fixture.teamId}/skills`);
    const skillsTag = skills.headers.get("etag")!;
    const source = { type: "github", source: "acme/versioned" };
    expect((await fixture.api.request("PUT", `/api/teams/${fixture.teamId}/skills`, { sources: [source] }, { "if-match": skillsTag })).status).toBe(200);
    const staleSkills = await other.request("PUT", `/api/teams/${fixture.teamId}/skills`, { sources: [] }, { "if-match": skillsTag });
    expect(staleSkills.status).toBe(412);
    expect((await other.get(`/api/teams/${fixture.teamId}/skills`)).sources).toEqual([source]);

    // RFC 9110's If-Match: a weak tag never matches (strong comparison), a list matches when any of
    // its tags does, `*` always; what is no entity tag at all is a field error; none at all writes as before.
    const current = (await other.request("GET", url)).headers.get("etag")!;
    expect((await other.request("PUT", url, { servers: [] }, { "if-match": `W/${current}` })).status).toBe(412);
    const listed = await other.request("PUT", url, { servers: [local("gamma")] }, { "if-match": `"999999", ${current}` });
    expect(listed.status).toBe(200);
    expect(listed.body.servers.map((server: { name: string }) => server.name)).toEqual(["gamma"]);
    expect((await other.request("PUT", url, { servers: [] }, { "if-match": "*" })).status).toBe(200);
    const malformed = await other.request("PUT", url, { servers: [] }, { "if-match": "3" });
    expect(malformed.status).toBe(422);
    expect(malformed.body.errors[0].path).toBe("If-Match");
    expect((await other.request("PUT", url, { servers: [] })).status).toBe(200);
    expect((await other.request("PUT", `/api/teams/${fixture.teamId}/skills`, { sources: [] })).status).toBe(200);
  });

  it("reach every new sandbox's runtime config; header secrets stay out of answers, history, Files and the archive", async () => {
    const secret = `mcp_${Math.random().toString(36).slice(2)}`;
    const put = await fixture.api.request("PUT", `/api/teams/${fixture.teamId}/mcp`, {
      servers: [
        { name: "files", type: "local", command: "node", args: ["/opt/mcp/files.js", "--root", "/workspace"], env: { LOG: "1" } },
        { name: "tracker", type: "remote", url: "https://mcp.example.test/v1", headers: { Authorization: `Bearer ${secret}` } },
      ],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(JSON.stringify(put.body)).not.toContain(secret);
    const read = await fixture.api.get(`/api/teams/${fixture.teamId}/mcp`);
    expect(read.servers[1]).toEqual({ name: "tracker", type: "remote", url: "https://mcp.example.test/v1", headers: { Authorization: null } });
    expect(
      (await fixture.api.request("PUT", `/api/teams/${fixture.teamId}/skills`, { sources: [{ type: "github", source: "acme/skills", skills: ["review"] }] }))
        .status,
    ).toBe(200);
    expect((await fixture.api.request("PUT", `/api/teams/${fixture.teamId}/mcp`, { servers: [{ name: "x", type: "local" }] })).status).toBe(422);

    const session = await fixture.api.post("/api/sessions", { teamId: fixture.teamId, agent: "demo", repositoryId });
    const sandbox = await fixture.api.get(`/api/sandboxes/${session.sandboxId}`);
    expect(sandbox.config).toEqual({ mcpServers: ["files", "tracker"], skillSources: ["acme/skills"] });
    const config = JSON.parse(
      readFileSync(path.join(fixture.portal.dataDir, "sandboxes", session.sandboxId, "workspace", ".sandbox-agent", "config", "mcp.json"), "utf8"),
    );
    expect(JSON.stringify(config)).toContain("/opt/mcp/files.js");
    const skills = JSON.parse(
      readFileSync(path.join(fixture.portal.dataDir, "sandboxes", session.sandboxId, "workspace", ".sandbox-agent", "config", "skills.json"), "utf8"),
    );
    expect(JSON.stringify(skills)).toContain("acme/skills");
    expect(JSON.stringify(await allEvents(fixture.api, session.id))).not.toContain(secret);
    // The header secret is the agent's to use, not a viewer's to read through Files, nor the archive's.
    const viaFiles = await fixture.api.request("GET", `/api/sandboxes/${session.sandboxId}/files/content?path=.sandbox-agent/config/mcp.json`);
    expect(viaFiles.status).toBe(404);
    const archive = await fetch(`${fixture.api.baseUrl}/api/sandboxes/${session.sandboxId}/archive`, {
      headers: { authorization: `Bearer ${fixture.api.token}` },
    });
    expect(execFileSync("tar", ["-tzf", "-"], { input: Buffer.from(await archive.arrayBuffer()), encoding: "utf8" })).not.toContain(".sandbox-agent");
    // The runtime's config files are not the agent's changes.
    expect((await fixture.api.get(`/api/sandboxes/${session.sandboxId}/changes`)).items).toEqual([]);
    await fixture.api.request("PUT", `/api/teams/${fixture.teamId}/mcp`, { servers: [] });
    await fixture.api.request("PUT", `/api/teams/${fixture.teamId}/skills`, { sources: [] });
  });
});
