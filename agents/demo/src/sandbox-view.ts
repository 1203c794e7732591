import { mkdir, open, opendir, readFile, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";

// What the agent sees of the machine it runs on: the answers of /write, /cat, /probe and
// /whoami, one message each, in a fixed format so tests can parse them.

/** /cat answers with at most this much of a file, so one message stays a sane size. */
export const MAX_CAT_BYTES = 256 * 1024;

/** Writes `text` to `name` (relative to `cwd`, parent directories created), with what it replaced. */
export async function writeInCwd(cwd: string, name: string, text: string): Promise<{ ok: boolean; message: string; oldText: string | null }> {
  const target = path.resolve(cwd, name);
  let oldText: string | null = null;
  try {
    await mkdir(path.dirname(target), { recursive: true });
    oldText = await readFile(target, "utf8").catch(() => null);
    await writeFile(target, text);
  } catch (error) {
    return { ok: false, message: `write ${name}: failed (${errorCode(error)})`, oldText };
  }
  return { ok: true, message: `wrote ${Buffer.byteLength(text)} bytes to ${name}`, oldText };
}

/** The file's contents exactly, or one line saying why there are none. */
export async function catInCwd(cwd: string, name: string): Promise<string> {
  let handle;
  try {
    handle = await open(path.resolve(cwd, name), "r");
  } catch (error) {
    return errorCode(error) === "ENOENT" ? `cat ${name}: no such file` : `cat ${name}: cannot read (${errorCode(error)})`;
  }
  try {
    const buffer = Buffer.alloc(MAX_CAT_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead === 0) return `cat ${name}: empty file`;
    const text = buffer.subarray(0, Math.min(bytesRead, MAX_CAT_BYTES)).toString("utf8");
    return bytesRead > MAX_CAT_BYTES ? `${text}\n[cut at ${MAX_CAT_BYTES} bytes]` : text;
  } catch (error) {
    return `cat ${name}: cannot read (${errorCode(error)})`;
  } finally {
    await handle.close();
  }
}

/**
 * `probe PATH: absent` | `exists, readable` | `exists, not readable` | `not reachable (CODE)`.
 * "Readable" means this process really read from it (a byte of a file, an entry of a directory),
 * because access(2) says yes to files such as another process's /proc/PID/environ that then refuse.
 */
export async function probePath(cwd: string, target: string): Promise<string> {
  const resolved = path.resolve(cwd, target);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(resolved)).isDirectory();
  } catch (error) {
    const code = errorCode(error);
    // ENOTDIR: a path through a file does not exist either.
    if (code === "ENOENT" || code === "ENOTDIR") return `probe ${target}: absent`;
    return `probe ${target}: not reachable (${code})`;
  }
  try {
    if (isDirectory) {
      const dir = await opendir(resolved);
      await dir.read();
      await dir.close();
    } else {
      const handle = await open(resolved, "r");
      try {
        await handle.read(Buffer.alloc(1), 0, 1, null);
      } finally {
        await handle.close();
      }
    }
  } catch {
    return `probe ${target}: exists, not readable`;
  }
  return `probe ${target}: exists, readable`;
}

const CONNECT_TIMEOUT_MS = 3_000;

/** `connect HOST:PORT: open` | `refused` | `timed out` | `unreachable (CODE)`: what this process's network reaches. */
export function connectFromHere(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (answer: string) => {
      socket.destroy();
      resolve(`connect ${host}:${port}: ${answer}`);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => done("timed out"));
    socket.once("connect", () => done("open"));
    socket.once("error", (error) => done(errorCode(error) === "ECONNREFUSED" ? "refused" : `unreachable (${errorCode(error)})`));
  });
}

/** `uid=U gid=G cwd=C`, C being the session's cwd (where /write and /cat resolve names). */
export function whoami(cwd: string): string {
  const uid = process.getuid?.() ?? -1;
  const gid = process.getgid?.() ?? -1;
  return `uid=${uid} gid=${gid} cwd=${cwd}`;
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" ? code : "error";
}
