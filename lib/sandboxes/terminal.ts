import "server-only";
import type { ProcessLogEntry } from "sandbox-agent";
import { recordAudit } from "@/lib/audit";
import { db } from "@/lib/db/client";
import { conflict, notFound } from "@/lib/errors";
import { runtimeOfSandbox, type SandboxRow } from "@/lib/sandboxes/sandboxes";
import { sandboxPool } from "@/lib/sandboxes/pool";

// Terminals: a shell in a sandbox, as its own user, run by its runtime's process API with a pty
// (createProcess tty+interactive, its pty log, input and resize). Everything goes through the
// portal: the browser never reaches the runtime. The runtime's process id stays on the owner's side;
// the portal's terminal id, who opened it and when it closed are rows (the audit keeps the rest).
// A terminal ends when its shell exits, when someone closes it, or when its sandbox stops.

export interface TerminalOutput {
  /** The runtime's sequence number of the pty chunk: the stream's event id. */
  seq: number;
  /** The bytes, base64. */
  data: string;
}

/** Who follows a terminal's output after `since`, until `signal` aborts. */
export interface TerminalFollow {
  sandbox: SandboxRow;
  terminalId: string;
  since: number;
  onOutput: (output: TerminalOutput) => void;
  signal: AbortSignal;
}

export interface TerminalRead {
  output: TerminalOutput[];
  /** Nothing more will come. */
  ended: boolean;
}

const SHELL = "/bin/bash";

export async function openTerminalOnOwner({ sandbox, userId, cols, rows }: { sandbox: SandboxRow; userId: string; cols?: number; rows?: number }) {
  const { sdk } = await (await runtimeOfSandbox(sandbox)).sdk();
  const process = await sdk.createProcess({
    command: SHELL,
    args: ["-l"],
    cwd: sandbox.workspace,
    tty: true,
    interactive: true,
    env: { TERM: "xterm-256color", COLORTERM: "truecolor" },
  });
  if (cols && rows) await sdk.resizeProcessTerminal(process.id, { cols, rows }).catch(() => undefined);
  return db().$transaction(async (tx) => {
    const terminal = await tx.sandboxTerminal.create({ data: { sandboxId: sandbox.id, processId: process.id, openedBy: userId } });
    await recordAudit(tx, {
      teamId: sandbox.teamId,
      actorId: userId,
      action: "terminal.open",
      targetType: "sandbox",
      targetId: sandbox.id,
      detail: { terminalId: terminal.id },
    });
    return { id: terminal.id, openedAt: terminal.openedAt.toISOString() };
  });
}

export async function listTerminals({ sandboxId, teamId, status }: { sandboxId: string; teamId: string; status: string }) {
  // A stopped sandbox took its shells with it; its rows close when someone looks.
  if (status !== "running") await closeTerminalsOfSandbox({ id: sandboxId, teamId });
  const rows = await db().sandboxTerminal.findMany({ where: { sandboxId, closedAt: null }, orderBy: { openedAt: "asc" } });
  const people = await db().user.findMany({ where: { id: { in: rows.map((row) => row.openedBy) } }, select: { id: true, name: true, email: true } });
  const byId = new Map(people.map((person) => [person.id, person.name || person.email]));
  return {
    items: rows.map((row) => ({ id: row.id, openedBy: row.openedBy, openedByName: byId.get(row.openedBy) ?? null, openedAt: row.openedAt.toISOString() })),
  };
}

async function openRow(sandboxId: string, terminalId: string) {
  const row = await db().sandboxTerminal.findFirst({ where: { id: terminalId, sandboxId } });
  if (!row) throw notFound("Terminal");
  return row;
}

export async function sendTerminalInputOnOwner({ sandbox, terminalId, data }: { sandbox: SandboxRow; terminalId: string; data: string }) {
  await (
    await terminalKeyboardOnOwner({ sandbox, terminalId })
  )(data);
}

/**
 * On the owner: what sends keystrokes to a terminal's shell, with the shell and its runtime looked
 * up once (a terminal socket sends many; the input route looks them up per request).
 */
export async function terminalKeyboardOnOwner({ sandbox, terminalId }: { sandbox: SandboxRow; terminalId: string }) {
  const row = await openRow(sandbox.id, terminalId);
  if (row.closedAt || !sandboxPool().isRunning(sandbox.id)) throw conflict("terminal_closed", "This terminal has ended.");
  const { sdk } = await (await runtimeOfSandbox(sandbox)).sdk();
  return async (data: string) => {
    try {
      await sdk.sendProcessInput(row.processId, { data, encoding: "utf8" });
    } catch {
      await closeTerminalOnOwner({ sandbox, terminalId, userId: null, reason: "exited" });
      throw conflict("terminal_closed", "This terminal has ended.");
    }
  };
}

export async function resizeTerminalOnOwner({ sandbox, terminalId, cols, rows }: { sandbox: SandboxRow; terminalId: string; cols: number; rows: number }) {
  const row = await openRow(sandbox.id, terminalId);
  if (row.closedAt || !sandboxPool().isRunning(sandbox.id)) throw conflict("terminal_closed", "This terminal has ended.");
  const { sdk } = await (await runtimeOfSandbox(sandbox)).sdk();
  await sdk.resizeProcessTerminal(row.processId, { cols, rows }).catch(() => {
    throw conflict("terminal_closed", "This terminal has ended.");
  });
}

/** Ends a terminal once: its shell is killed (when still there), the row closed, the audit told how long it ran. */
export async function closeTerminalOnOwner({
  sandbox,
  terminalId,
  userId,
  reason,
}: {
  sandbox: Pick<SandboxRow, "id" | "teamId"> & Partial<SandboxRow>;
  terminalId: string;
  userId: string | null;
  reason: "closed" | "exited" | "sandbox_stopped";
}) {
  const row = await openRow(sandbox.id, terminalId);
  if (row.closedAt) return;
  if (reason === "closed" && sandbox.seq !== undefined && sandboxPool().isRunning(sandbox.id)) {
    const { sdk } = await (await runtimeOfSandbox(sandbox as SandboxRow)).sdk();
    await sdk.killProcess(row.processId).catch(() => undefined);
  }
  const closedAt = new Date();
  await db().$transaction(async (tx) => {
    const closed = await tx.sandboxTerminal.updateMany({ where: { id: row.id, closedAt: null }, data: { closedAt } });
    if (closed.count === 0) return;
    await recordAudit(tx, {
      teamId: sandbox.teamId,
      actorId: userId,
      action: "terminal.close",
      targetType: "sandbox",
      targetId: sandbox.id,
      detail: { terminalId: row.id, reason, openedBy: row.openedBy, seconds: Math.round((closedAt.getTime() - row.openedAt.getTime()) / 1000) },
    });
  });
}

/**
 * The terminal's output after `since`, waiting up to `waitMs` for some (a long poll, for streams
 * served by another instance than the owner). `ended`: nothing more will come.
 */
export async function readTerminalOnOwner({
  sandbox,
  terminalId,
  since,
  waitMs,
}: {
  sandbox: SandboxRow;
  terminalId: string;
  since: number;
  waitMs: number;
}): Promise<TerminalRead> {
  const row = await openRow(sandbox.id, terminalId);
  if (row.closedAt) return { output: [], ended: true };
  if (!sandboxPool().isRunning(sandbox.id)) {
    await closeTerminalOnOwner({ sandbox, terminalId, userId: null, reason: "sandbox_stopped" });
    return { output: [], ended: true };
  }
  const { sdk } = await (await runtimeOfSandbox(sandbox)).sdk();
  const output: TerminalOutput[] = [];
  let ended = false;
  await new Promise<void>((resolve) => {
    let subscription: { close(): void; closed: Promise<void> } | null = null;
    const finish = () => {
      clearTimeout(timer);
      subscription?.close();
      resolve();
    };
    const timer = setTimeout(finish, waitMs);
    sdk
      .followProcessLogs(
        row.processId,
        (entry: ProcessLogEntry) => {
          output.push({ seq: entry.sequence, data: entry.data });
          // Whatever else arrived with it comes in the same few milliseconds.
          setTimeout(finish, 5);
        },
        { stream: "pty", since },
      )
      .then((opened) => {
        subscription = opened;
        void opened.closed.then(async () => {
          ended = await processEnded(sandbox, row.processId);
          finish();
        });
      })
      .catch(() => {
        ended = true;
        finish();
      });
  });
  if (ended) await closeTerminalOnOwner({ sandbox, terminalId, userId: null, reason: sandboxPool().isRunning(sandbox.id) ? "exited" : "sandbox_stopped" });
  return { output, ended };
}

/**
 * On the owner: follows the terminal's output as it comes, until it ends or `signal` aborts.
 * Returns whether the terminal ended.
 */
export async function followTerminalOnOwner({ sandbox, terminalId, since, onOutput, signal }: TerminalFollow): Promise<boolean> {
  const row = await openRow(sandbox.id, terminalId);
  if (row.closedAt) return true;
  if (!sandboxPool().isRunning(sandbox.id)) {
    await closeTerminalOnOwner({ sandbox, terminalId, userId: null, reason: "sandbox_stopped" });
    return true;
  }
  const { sdk } = await (await runtimeOfSandbox(sandbox)).sdk();
  let subscription;
  try {
    subscription = await sdk.followProcessLogs(row.processId, (entry: ProcessLogEntry) => onOutput({ seq: entry.sequence, data: entry.data }), {
      stream: "pty",
      since,
    });
  } catch {
    await closeTerminalOnOwner({ sandbox, terminalId, userId: null, reason: sandboxPool().isRunning(sandbox.id) ? "exited" : "sandbox_stopped" });
    return true;
  }
  const onAbort = () => subscription.close();
  signal.addEventListener("abort", onAbort, { once: true });
  await subscription.closed.catch(() => undefined);
  signal.removeEventListener("abort", onAbort);
  if (signal.aborted) return false;
  const running = sandboxPool().isRunning(sandbox.id);
  if (running && !(await processEnded(sandbox, row.processId))) return false;
  await closeTerminalOnOwner({ sandbox, terminalId, userId: null, reason: running ? "exited" : "sandbox_stopped" });
  return true;
}

async function processEnded(sandbox: SandboxRow, processId: string) {
  if (!sandboxPool().isRunning(sandbox.id)) return true;
  try {
    const { sdk } = await (await runtimeOfSandbox(sandbox)).sdk();
    return (await sdk.getProcess(processId)).status === "exited";
  } catch {
    return true;
  }
}

/** A stopping sandbox ends its terminals (the runtime and its shells are gone with it). */
export async function closeTerminalsOfSandbox(sandbox: Pick<SandboxRow, "id" | "teamId">) {
  const open = await db().sandboxTerminal.findMany({ where: { sandboxId: sandbox.id, closedAt: null }, select: { id: true } });
  for (const { id } of open) await closeTerminalOnOwner({ sandbox, terminalId: id, userId: null, reason: "sandbox_stopped" }).catch(() => undefined);
}
