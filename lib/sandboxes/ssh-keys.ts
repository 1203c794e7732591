import "server-only";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { unprocessable } from "@/lib/errors";

// SSH deploy keys and pinned host keys, with OpenSSH's own tools. A private key only ever touches
// the disk as a mode-600 file in a mode-700 directory of the portal's (mkdtemp), removed when the
// tool is done; argv carries paths, never a key.

const exec = promisify(execFile);
const TOOL_ENV = { PATH: "/usr/bin:/bin", LC_ALL: "C", HOME: "/nonexistent" } as unknown as NodeJS.ProcessEnv;

/** Runs `run` with a fresh private directory (mode 700), removed afterwards whatever happens. */
export async function withPrivateDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "agent-portal-ssh-"));
  try {
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface DeployKey {
  /** OpenSSH private key text, to be sealed. */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment`, for the host's "Deploy keys". */
  publicKey: string;
}

/** A new ed25519 key pair, made by ssh-keygen in a private directory. */
export function generateDeployKey(comment: string): Promise<DeployKey> {
  return withPrivateDir(async (dir) => {
    const file = path.join(dir, "key");
    await exec("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file], { env: TOOL_ENV, timeout: 30_000 });
    return { privateKey: readFileSync(file, "utf8"), publicKey: readFileSync(`${file}.pub`, "utf8").trim() };
  });
}

/** A private key an admin pasted, with its public half; an encrypted or unreadable key is a field error. */
export function importDeployKey(pasted: string): Promise<DeployKey> {
  // ssh wants the PEM-style armour exactly, ending in a newline; pastes often lose it or add CRs.
  const privateKey = `${pasted.replace(/\r\n?/g, "\n").trim()}\n`;
  return withPrivateDir(async (dir) => {
    const file = path.join(dir, "key");
    writeFileSync(file, privateKey, { mode: 0o600 });
    try {
      // -P "": an encrypted key fails here rather than waiting for a passphrase.
      const { stdout } = await exec("ssh-keygen", ["-y", "-P", "", "-f", file], { env: TOOL_ENV, timeout: 30_000 });
      return { privateKey, publicKey: stdout.trim() };
    } catch {
      throw unprocessable("That is not a private key the portal can use.", [
        { path: "deployKey.privateKey", message: "must be an OpenSSH or PEM private key without a passphrase" },
      ]);
    }
  });
}

/**
 * The host's keys as known_hosts lines, read by ssh-keyscan on first contact (when the repository is
 * saved); later connections accept only these.
 */
export async function pinHostKeys(host: string, port: number): Promise<string> {
  const scanned = await exec("ssh-keyscan", ["-T", "10", "-p", String(port), "--", host], { env: TOOL_ENV, timeout: 30_000 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }),
  );
  const lines = scanned.stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  if (!lines.length)
    throw unprocessable(`No SSH host key could be read from ${host} port ${port}: the portal pins the host's key when the repository is saved.`, [
      { path: "url", message: "the SSH host must be reachable from the portal" },
    ]);
  return `${lines.join("\n")}\n`;
}

/** OpenSSH's SHA256 fingerprint of a public key given as its base64 blob. */
function fingerprintOf(blob: string): string {
  return `SHA256:${createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64").replace(/=+$/, "")}`;
}

/** `{type, fingerprint}` of a public key line (`type blob [comment]`). */
export function publicKeyFingerprint(line: string): { type: string; fingerprint: string } {
  const [type = "", blob = ""] = line.trim().split(/\s+/);
  return { type, fingerprint: fingerprintOf(blob) };
}

/** The pinned host keys' fingerprints (known_hosts lines: `host type blob`). */
export function hostKeyFingerprints(knownHosts: string): Array<{ type: string; fingerprint: string }> {
  return knownHosts
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => publicKeyFingerprint(line.trim().split(/\s+/).slice(1).join(" ")));
}
