import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepository } from "../fixtures/git-server";
import { sshKeyPair, startSshGitServer, type SshGitServer } from "../fixtures/ssh-git-server";
import { allEvents, openPortal, waitForIdle, type PortalFixture } from "./harness";

// Repositories over SSH with deploy keys, against a real SSH git server on loopback (ssh2 running
// git-upload-pack / git-receive-pack) that takes only the keys registered on it, the real portal,
// the real runtime and the demo agent in real jails.

let fixture: PortalFixture;
let server: SshGitServer;
let root: string;
const hostKey = sshKeyPair("host");
/** The admin's own key, pasted into the portal: the test knows its private half to look for it. */
const ownKey = sshKeyPair("own-key");
/** A line of the private key's body: it must turn up nowhere. */
const secretLine = ownKey.privateKey.split("\n")[2]!;
const url = () => `ssh://git@127.0.0.1:${server.port}/demo.git`;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "ssh-git-"));
  makeRepository(root, "demo.git", { "README.md": "# Over SSH\n", "src/a.txt": "one\n" });
  server = await startSshGitServer({ root, hostKey, authorizedKeys: [ownKey.publicKey] });
  fixture = await openPortal();
}, 180_000);

afterAll(async () => {
  await fixture?.close();
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

const upstream = (...args: string[]) => execFileSync("git", ["--git-dir", path.join(root, "demo.git"), ...args], { encoding: "utf8" }).trim();
const fingerprint = (publicKey: string) => execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", "-"], { input: publicKey, encoding: "utf8" }).split(" ")[1];
const sandboxCount = async () => (await fixture.api.get(`/api/sandboxes?teamId=${fixture.teamId}&limit=500`)).items.length as number;
const addRepository = (body: Record<string, unknown>) =>
  fixture.api.request("POST", `/api/teams/${fixture.teamId}/repositories`, { defaultBranch: "main", ...body });
const startSession = (repositoryId: string) =>
  fixture.api.request("POST", "/api/sessions", { teamId: fixture.teamId, agent: "demo", repositoryId, title: "Over SSH" });
// The sandboxes' own entries: the portal's spare disk (lib/sandboxes/limits.ts, made ahead for the next
// new sandbox, whatever became of this one) is no sandbox's.
const sandboxDirs = () =>
  readdirSync(path.join(fixture.portal.dataDir, "sandboxes"))
    .filter((name) => !name.startsWith(".spare-disk"))
    .sort();
/** The portal's private key directories (lib/sandboxes/ssh-keys.ts) left behind, if any. */
const leftoverKeyDirs = () => readdirSync(os.tmpdir()).filter((name) => name.startsWith("agent-portal-ssh-"));

describe("a repository over SSH", () => {
  it("takes an SSH URL only with a deploy key, and a deploy key only with an SSH URL", async () => {
    expect((await addRepository({ name: "x", url: url() })).body.errors[0].path).toBe("deployKey");
    expect((await addRepository({ name: "x", url: url(), token: "t", deployKey: { generate: true } })).body.errors[0].path).toBe("token");
    expect((await addRepository({ name: "x", url: "https://example.test/x.git", deployKey: { generate: true } })).body.errors[0].path).toBe("deployKey");
    const optionHost = await addRepository({ name: "x", url: "git@-oProxyCommand=touch:x.git", deployKey: { generate: true } });
    expect(optionHost.status).toBe(422);
    expect(optionHost.body.errors[0].path).toBe("url");
    const garbage = await addRepository({
      name: "x",
      url: url(),
      deployKey: { privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----" },
    });
    expect(garbage.status).toBe(422);
    expect(garbage.body.errors[0].path).toBe("deployKey.privateKey");
    const unreachable = await addRepository({ name: "x", url: "ssh://git@127.0.0.1:1/x.git", deployKey: { generate: true } });
    expect(unreachable.status).toBe(422);
    expect(unreachable.body.detail).toMatch(/No SSH host key could be read/);
    expect((await fixture.api.get(`/api/teams/${fixture.teamId}/repositories`)).items).toEqual([]);
  });

  it("generates a key pair: only its public half is shown, with the pinned host key's fingerprint; cloning works once the host has it", async () => {
    const added = await addRepository({ name: "generated", url: url(), deployKey: { generate: true } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({
      credential: "deployKey",
      hasToken: false,
      hostKeys: [{ type: "ssh-ed25519", fingerprint: fingerprint(hostKey.publicKey) }],
    });
    expect(added.body.deployKey.publicKey).toMatch(/^ssh-ed25519 AAAA\S+ agent-portal:generated$/);
    expect(added.body.deployKey.fingerprint).toBe(fingerprint(added.body.deployKey.publicKey));
    expect(JSON.stringify(added.body)).not.toContain("PRIVATE KEY");

    // Not on the host yet: refused by the host, said clearly, and no sandbox left.
    const before = await sandboxCount();
    const refused = await startSession(added.body.id);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe("clone_failed");
    expect(refused.body.detail).toMatch(/Permission denied \(publickey\)/);
    expect(await sandboxCount()).toBe(before);

    server.authorizedKeys.push(added.body.deployKey.publicKey);
    const created = await startSession(added.body.id);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const sandbox = await fixture.api.get(`/api/sandboxes/${created.body.sandboxId}`);
    expect(sandbox.repository).toEqual({ id: added.body.id, branch: "main", baseCommit: upstream("rev-parse", "main") });
    expect(readFileSync(path.join(fixture.portal.dataDir, "sandboxes", created.body.sandboxId, "workspace", "src", "a.txt"), "utf8")).toBe("one\n");
  });

  it("a wrong key fails the clone clearly and leaves no sandbox", async () => {
    const stranger = sshKeyPair("stranger");
    const added = await addRepository({ name: "wrong-key", url: url(), deployKey: { privateKey: stranger.privateKey } });
    expect(added.status).toBe(201);
    const before = await sandboxCount();
    const dirsBefore = sandboxDirs();
    const created = await startSession(added.body.id);
    expect(created.status).toBe(422);
    expect(created.body.code).toBe("clone_failed");
    expect(created.body.detail).toMatch(/Permission denied \(publickey\)/);
    expect(await sandboxCount()).toBe(before);
    expect(sandboxDirs()).toEqual(dirsBefore);
  });

  describe("with the admin's own key", () => {
    let repositoryId: string;
    let sessionId: string;
    let sandboxId: string;

    beforeAll(async () => {
      const added = await addRepository({ name: "own", url: url(), deployKey: { privateKey: ownKey.privateKey } });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      expect(added.body.deployKey.publicKey.split(" ").slice(0, 2)).toEqual(ownKey.publicKey.split(" ").slice(0, 2));
      repositoryId = added.body.id;
      const clonesBefore = server.clients.length;
      const created = await startSession(repositoryId);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      sessionId = created.body.id;
      sandboxId = created.body.sandboxId;
      expect(server.clients.length).toBeGreaterThan(clonesBefore);
    }, 120_000);

    it("hands ssh the key as a private file and pins the host, never the key on a command line", () => {
      expect(server.clients.length).toBeGreaterThan(0);
      for (const client of server.clients) {
        const argv = client.argv.join(" ");
        expect(argv).toContain("IdentitiesOnly=yes");
        expect(argv).toContain("StrictHostKeyChecking=yes");
        expect(argv).toMatch(/UserKnownHostsFile=\/\S+\/known_hosts/);
        expect(argv).not.toContain(secretLine);
        expect(client.keyMode).toBe(0o600);
        expect(client.keyDirMode).toBe(0o700);
        // Removed when git was done.
        expect(existsSync(path.dirname(client.keyFile!))).toBe(false);
      }
      expect(leftoverKeyDirs()).toEqual([]);
    });

    it("pushes a new branch as the member, with the key, on the host side", async () => {
      await fixture.api.post(`/api/sessions/${sessionId}/prompt`, { text: "/write notes.txt over ssh" });
      await waitForIdle(fixture.api, sessionId);
      const pushed = await fixture.api.request("POST", `/api/sandboxes/${sandboxId}/push`, { branch: "agent/ssh", message: "Notes over SSH" });
      expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
      expect(pushed.body.compareUrl).toBeNull();
      expect(upstream("rev-parse", "agent/ssh")).toBe(pushed.body.commit);
      const me = await fixture.api.get("/api/me");
      expect(upstream("log", "-1", "--format=%an <%ae>|%s|%P", "agent/ssh")).toBe(
        `${me.user.name} <${me.user.email}>|Notes over SSH|${upstream("rev-parse", "main")}`,
      );
      expect(upstream("show", "agent/ssh:notes.txt")).toBe("over ssh");
      expect(server.commands.at(-1)).toBe("git-receive-pack '/demo.git'");
      const refused = await fixture.api.request("POST", `/api/sandboxes/${sandboxId}/push`, { branch: "protected/x", message: "Try" });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe("push_refused");
      expect(refused.body.detail).toContain("protected by policy");
      expect(leftoverKeyDirs()).toEqual([]);
    });

    it("keeps the private key out of the workspace, the sandbox's processes, the history, the audit log and every answer", async () => {
      const hostDir = path.join(fixture.portal.dataDir, "sandboxes", sandboxId);
      expect(execFileSync("sh", ["-c", `grep -rlF -- "$1" "$2" || true`, "sh", secretLine, hostDir], { encoding: "utf8" }).trim()).toBe("");
      for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
        try {
          const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
          if (uid < 200_000) continue;
          for (const file of ["environ", "cmdline"]) {
            const text = readFileSync(`/proc/${pid}/${file}`, "latin1");
            expect(text).not.toContain(secretLine);
            expect(text).not.toContain("agent-portal-ssh-");
          }
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT" && (error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
        }
      }
      const answers = [
        await allEvents(fixture.api, sessionId),
        await fixture.api.get(`/api/teams/${fixture.teamId}/repositories`),
        await fixture.api.get(`/api/teams/${fixture.teamId}/audit?limit=200`),
        await fixture.api.get(`/api/sandboxes/${sandboxId}`),
      ];
      for (const answer of answers) {
        expect(JSON.stringify(answer)).not.toContain(secretLine);
        expect(JSON.stringify(answer)).not.toContain("PRIVATE KEY");
      }
    });

    it("refuses a host whose key changed since the repository was saved, and leaves no sandbox", async () => {
      const port = server.port;
      await server.close();
      const impostor = sshKeyPair("impostor");
      server = await startSshGitServer({ root, hostKey: impostor, authorizedKeys: [ownKey.publicKey], port });
      const before = await sandboxCount();
      const created = await startSession(repositoryId);
      expect(created.status).toBe(422);
      expect(created.body.code).toBe("host_key_changed");
      expect(created.body.detail).toContain(fingerprint(hostKey.publicKey));
      expect(await sandboxCount()).toBe(before);
      // The impostor never saw a git command: ssh stopped before authenticating.
      expect(server.attempts).toEqual([]);
      expect(server.commands).toEqual([]);
      const pushed = await fixture.api.request("POST", `/api/sandboxes/${sandboxId}/push`, { branch: "agent/ssh-2", message: "More" });
      expect(pushed.status).toBe(422);
      expect(pushed.body.code).toBe("host_key_changed");
      expect(leftoverKeyDirs()).toEqual([]);
    });
  });
});
