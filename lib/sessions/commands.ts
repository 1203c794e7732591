import "server-only";
import { randomUUID } from "node:crypto";
import type { Prisma, Session } from "@/generated/prisma/client";
import { db } from "@/lib/db/client";
import type { PermissionReply } from "@/lib/contract/permissions";
import { ApiError, isApiError, isProblemCode, type FieldError, type ProblemCode } from "@/lib/errors";
import { liveHub } from "@/lib/events/live-hub";
import { currentClientIp, runForClient } from "@/lib/http/request-context";
import { instanceId } from "@/lib/instance";
import * as changes from "@/lib/sandboxes/changes";
import * as push from "@/lib/sandboxes/push";
import * as sandboxes from "@/lib/sandboxes/sandboxes";
import * as terminals from "@/lib/sandboxes/terminal";
import { cancelTurn as cancelLocally } from "@/lib/sessions/cancel";
import * as lifecycle from "@/lib/sessions/lifecycle";
import { leaseSeconds, onHeartbeat, ownerOf } from "@/lib/sessions/ownership";
import { replyToPermission as replyLocally } from "@/lib/sessions/permissions";
import type { ContentBlock } from "@/lib/sessions/prompt-content";
import { resumeSession as resumeLocally } from "@/lib/sessions/restore";
import * as settings from "@/lib/sessions/settings";
import { errorField, logger } from "@/lib/log";
import { promptSession as promptLocally } from "@/lib/sessions/turns";

const log = logger("commands");

// Every command that changes a session or its sandbox, executed by the instance that owns the
// sandbox (lib/sessions/ownership.ts), whichever instance the request reached. Routes call these;
// a command for a sandbox owned elsewhere travels as a session_commands row, announced by NOTIFY,
// and its answer (a value or the ApiError the owner raised) comes back the same way. PostgreSQL is
// already what every instance shares and trusts, so commands need no addresses of one another, no
// second secret and no open port between instances; a missed notification is caught up by polling.

const COMMANDS_CHANNEL = "portal_commands";
const ANSWERS_CHANNEL = "portal_command_answers";
// Creating a session may start a sandbox first; nothing a caller waits for takes longer.
const ANSWER_TIMEOUT_MS = 60_000;
const POLL_MS = 1_000;
const NOTIFY_ANSWER_MAX = 7_000;

type Json = Prisma.InputJsonValue | null;
type Answer = { ok: true; value: Json } | { ok: false; code: ProblemCode; detail: string; errors?: FieldError[]; retryAfterSeconds?: number } | { moved: true };

/** How one kind of command runs on the owner and what of its result travels back to the caller. */
interface Kind<I, R> {
  /** The sandbox whose owner runs it; null: any instance may (a new sandbox is the caller's own). */
  sandboxOf(input: I): string | null;
  run(input: I): Promise<R>;
  /** Input as it travels (JSON) and as the owner rebuilds it. */
  send(input: I): Json;
  receive(wire: Json): Promise<I>;
  /** Result as it travels and as the caller rebuilds it. */
  answer(result: R): Json;
  back(wire: Json, input: I): Promise<R>;
}

type SessionInput<T = object> = T & { session: Session };

/** A session command: the owner re-reads the session, the caller re-reads it after a session answer. */
function sessionKind<T extends object, R>(run: (input: SessionInput<T>) => Promise<R>, answer: (result: R) => Json, back: (wire: Json, input: SessionInput<T>) => Promise<R>): Kind<SessionInput<T>, R> {
  return {
    sandboxOf: ({ session }) => session.sandboxId,
    run,
    send: ({ session, ...rest }) => ({ ...rest, sessionId: session.id }) as Json,
    async receive(wire) {
      const { sessionId, ...rest } = wire as { sessionId: string };
      return { ...(rest as T), session: await db().session.findUniqueOrThrow({ where: { id: sessionId } }) };
    },
    answer,
    back,
  };
}

const reread = (_wire: Json, { session }: { session: Session }) => db().session.findUniqueOrThrow({ where: { id: session.id } });
const nothing = () => null;

type SandboxInput<T = object> = T & { sandbox: sandboxes.SandboxRow };

function sandboxKind<T extends object, R>(run: (input: SandboxInput<T>) => Promise<R>, answer: (result: R) => Json, back: (wire: Json) => R): Kind<SandboxInput<T>, R> {
  return {
    sandboxOf: ({ sandbox }) => sandbox.id,
    run,
    send: ({ sandbox, ...rest }) => ({ ...rest, sandboxId: sandbox.id }) as Json,
    async receive(wire) {
      const { sandboxId, ...rest } = wire as { sandboxId: string };
      return { ...(rest as T), sandbox: await db().sandbox.findUniqueOrThrow({ where: { id: sandboxId } }) };
    },
    answer,
    back: async (wire) => back(wire),
  };
}

const KINDS = {
  create: {
    sandboxOf: ({ input }) => input.sandboxId ?? null,
    run: lifecycle.createSession,
    send: (input) => input as unknown as Json,
    receive: async (wire) => wire as unknown as Parameters<typeof lifecycle.createSession>[0],
    answer: (session) => session.id,
    back: (wire) => db().session.findUniqueOrThrow({ where: { id: wire as string } }),
  } satisfies Kind<Parameters<typeof lifecycle.createSession>[0], Session>,
  prompt: sessionKind<{ userId: string; content: ContentBlock[] }, { turnId: string; session: Session }>(
    promptLocally,
    ({ turnId }) => turnId,
    async (wire, input) => ({ turnId: wire as string, session: await reread(wire, input) }),
  ),
  cancel: sessionKind<{ userId: string }, unknown>(cancelLocally, nothing, async () => null),
  reply: sessionKind<{ userId: string; permissionId: string; reply: PermissionReply }, Awaited<ReturnType<typeof replyLocally>>>(
    replyLocally,
    (result) => result,
    async (wire) => wire as unknown as Awaited<ReturnType<typeof replyLocally>>,
  ),
  patch: sessionKind<{ userId: string; patch: settings.SessionPatch }, Session>(settings.patchSession, nothing, reread),
  config: sessionKind<{ userId: string; optionId: string; value: string | boolean }, unknown>(settings.setConfigOption, (options) => options as Json, async (wire) => wire),
  destroy: sessionKind<{ userId: string }, Session>(lifecycle.destroySession, nothing, reread),
  resume: sessionKind<{ userId: string }, Session>(resumeLocally, nothing, reread),
  stopSandbox: sandboxKind<object, void>(({ sandbox }) => sandboxes.stopSandbox(sandbox), nothing, () => undefined),
  destroySandbox: sandboxKind<object, void>(({ sandbox }) => sandboxes.markSandboxDestroyed(sandbox.id), nothing, () => undefined),
  listWorkspace: sandboxKind<{ path?: string }, Awaited<ReturnType<typeof sandboxes.listWorkspace>>>(
    ({ sandbox, path }) => sandboxes.listWorkspace(sandbox, path),
    (listing) => listing as unknown as Json,
    (wire) => wire as unknown as Awaited<ReturnType<typeof sandboxes.listWorkspace>>,
  ),
  readWorkspaceFile: sandboxKind<{ path: string }, Uint8Array>(
    ({ sandbox, path }) => sandboxes.readWorkspaceFile(sandbox, path),
    (bytes) => Buffer.from(bytes).toString("base64"),
    (wire) => new Uint8Array(Buffer.from(wire as string, "base64")),
  ),
  listChanges: sandboxKind<{ against: "base" | "push" }, Awaited<ReturnType<typeof changes.listChanges>>>(
    ({ sandbox, against }) => changes.listChanges(sandbox, against),
    (listing) => listing as unknown as Json,
    (wire) => wire as unknown as Awaited<ReturnType<typeof changes.listChanges>>,
  ),
  diffOfPath: sandboxKind<{ path: string; oldPath?: string; against: "base" | "push" }, string>(
    ({ sandbox, ...request }) => changes.diffOfPath(sandbox, request),
    (text) => text,
    (wire) => wire as string,
  ),
  patchOf: sandboxKind<{ against: "base" | "push" }, Uint8Array>(
    ({ sandbox, against }) => changes.patchOf(sandbox, against),
    (bytes) => Buffer.from(bytes).toString("base64"),
    (wire) => new Uint8Array(Buffer.from(wire as string, "base64")),
  ),
  push: sandboxKind<{ userId: string; branch: string; message: string; sessionId?: string }, push.PushResult>(
    async ({ sandbox, userId, ...request }) => push.pushSandbox({ sandbox, user: await db().user.findUniqueOrThrow({ where: { id: userId }, select: { id: true, name: true, email: true } }), ...request }),
    (result) => result as unknown as Json,
    (wire) => wire as unknown as push.PushResult,
  ),
  openTerminal: sandboxKind<{ userId: string; cols?: number; rows?: number }, { id: string; openedAt: string }>(terminals.openTerminal, (result) => result, (wire) => wire as { id: string; openedAt: string }),
  terminalInput: sandboxKind<{ terminalId: string; data: string }, void>(terminals.sendTerminalInput, nothing, () => undefined),
  terminalResize: sandboxKind<{ terminalId: string; cols: number; rows: number }, void>(terminals.resizeTerminal, nothing, () => undefined),
  closeTerminal: sandboxKind<{ terminalId: string; userId: string }, void>(({ sandbox, terminalId, userId }) => terminals.closeTerminal({ sandbox, terminalId, userId, reason: "closed" }), nothing, () => undefined),
  readTerminal: sandboxKind<{ terminalId: string; since: number; waitMs: number }, terminals.TerminalRead>(
    (input) => terminals.readTerminal(input),
    (result) => result as unknown as Json,
    (wire) => wire as unknown as terminals.TerminalRead,
  ),
};

type Kinds = typeof KINDS;
type KindName = keyof Kinds;
type InputOf<K extends KindName> = Kinds[K] extends Kind<infer I, unknown> ? I : never;
type ResultOf<K extends KindName> = Kinds[K] extends Kind<never, infer R> ? R : never;

// ---- The commands, as routes call them ----

export const createSession = (input: InputOf<"create">) => command("create", input);
export const promptSession = (input: InputOf<"prompt">) => command("prompt", input);
export const cancelTurn = (input: InputOf<"cancel">) => command("cancel", input);
export const replyToPermission = (input: InputOf<"reply">) => command("reply", input);
export const patchSession = (input: InputOf<"patch">) => command("patch", input);
export const setConfigOption = (input: InputOf<"config">) => command("config", input);
export const destroySession = (input: InputOf<"destroy">) => command("destroy", input);
export const resumeSession = (input: InputOf<"resume">) => command("resume", input);
export const stopSandbox = (sandbox: sandboxes.SandboxRow) => command("stopSandbox", { sandbox });
export const destroySandbox = (sandbox: sandboxes.SandboxRow) => command("destroySandbox", { sandbox });
export const listWorkspace = (sandbox: sandboxes.SandboxRow, path: string | undefined) => command("listWorkspace", { sandbox, path });
export const readWorkspaceFile = (sandbox: sandboxes.SandboxRow, path: string) => command("readWorkspaceFile", { sandbox, path });
export const listChanges = (sandbox: sandboxes.SandboxRow, against: "base" | "push") => command("listChanges", { sandbox, against });
export const diffOfPath = (sandbox: sandboxes.SandboxRow, request: { path: string; oldPath?: string; against: "base" | "push" }) => command("diffOfPath", { sandbox, ...request });
export const patchOf = (sandbox: sandboxes.SandboxRow, against: "base" | "push") => command("patchOf", { sandbox, against });
export const pushSandbox = (input: InputOf<"push">) => command("push", input);
export const openTerminal = (input: InputOf<"openTerminal">) => command("openTerminal", input);
export const sendTerminalInput = (input: InputOf<"terminalInput">) => command("terminalInput", input);
export const resizeTerminal = (input: InputOf<"terminalResize">) => command("terminalResize", input);
export const closeTerminal = (input: InputOf<"closeTerminal">) => command("closeTerminal", input);
export const readTerminal = (input: InputOf<"readTerminal">): Promise<terminals.TerminalRead> => command("readTerminal", input);

async function command<K extends KindName>(name: K, input: InputOf<K>): Promise<ResultOf<K>> {
  const kind = KINDS[name] as unknown as Kind<InputOf<K>, ResultOf<K>>;
  // An owner that lets go between the lookup and the command answers "moved": look again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const sandboxId = kind.sandboxOf(input);
    const owner = sandboxId ? await ownerOf(sandboxId) : ({ mine: true } as const);
    if (owner.mine) return kind.run(input);
    if (!owner.alive) throw ownerGone();
    const answer = await forward(owner.ownerId, name, kind.send(input));
    if ("moved" in answer) continue;
    // The owner's problem as it raised it; an answer from an older instance may carry no code.
    if (!answer.ok) throw new ApiError(isProblemCode(answer.code) ? answer.code : "internal", answer.detail, { errors: answer.errors, retryAfterSeconds: answer.retryAfterSeconds });
    return kind.back(answer.value, input);
  }
  throw ownerGone();
}

function ownerGone() {
  const seconds = Math.ceil(leaseSeconds());
  return new ApiError("instance_unavailable", `The portal instance that runs this session stopped answering; another one takes it over within ${seconds} s. Try again then.`, { retryAfterSeconds: seconds });
}

// ---- The caller's side: a command row, a NOTIFY, and the answer ----

// Callers waiting for an answer, by command id. On globalThis: the LISTEN connection's handlers were
// registered from the boot bundle, the callers run in route bundles, each with its own module copy.
const globalWaiting = globalThis as unknown as { portalCommandsWaiting?: Map<string, (answer: Answer | null) => void> };
const waiting = (globalWaiting.portalCommandsWaiting ??= new Map());

async function forward(ownerId: string, kind: KindName, input: Json): Promise<Answer> {
  const id = randomUUID();
  let wake = new Promise<Answer | null>((resolve) => waiting.set(id, resolve));
  try {
    // The row and its announcement in one statement (a NOTIFY is delivered when its statement commits).
    await db().$executeRaw`
      WITH command AS (
        INSERT INTO session_commands (id, owner_id, caller_id, kind, input, client_ip)
        VALUES (${id}, ${ownerId}, ${instanceId()}, ${kind}, ${JSON.stringify(input ?? {})}::jsonb, ${currentClientIp()})
        RETURNING id
      )
      SELECT pg_notify(${COMMANDS_CHANNEL}, ${`${ownerId}:`} || id) FROM command`;
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    for (;;) {
      const told = await Promise.race([wake, new Promise<null>((resolve) => setTimeout(() => resolve(null), POLL_MS).unref())]);
      if (told) return told;
      // No answer in the notification (missed, or too big for one): read it, and see that the owner lives.
      const row = await db().sessionCommand.findUnique({ where: { id }, select: { answer: true, claimedAt: true } });
      if (row?.answer) return row.answer as unknown as Answer;
      const alive = await db().portalInstance.count({ where: { id: ownerId } });
      if (!alive || Date.now() > deadline) {
        // Unclaimed, it will never run; claimed, it may still have taken effect.
        const claimed = Boolean(row?.claimedAt);
        if (!alive && !claimed) return { moved: true };
        throw new ApiError("instance_unavailable", claimed ? "The instance that runs this session did not answer in time; the command may still take effect." : ownerGone().message, { retryAfterSeconds: Math.ceil(leaseSeconds()) });
      }
      wake = new Promise<Answer | null>((resolve) => waiting.set(id, resolve));
    }
  } finally {
    waiting.delete(id);
    void db().sessionCommand.deleteMany({ where: { id } }).catch(() => undefined);
  }
}

// ---- The owner's side: claim the row once, run the command, store and announce the answer ----

async function execute(id: string) {
  const [row] = await db().$queryRaw<Array<{ kind: string; input: Json; caller_id: string; client_ip: string | null }>>`
    UPDATE session_commands SET claimed_at = now() WHERE id = ${id} AND owner_id = ${instanceId()} AND claimed_at IS NULL
    RETURNING kind, input, caller_id, client_ip`;
  if (!row) return;
  // Run as for the request that asked: its audit entry gets that client's address.
  const answer = JSON.stringify(await runForClient(row.client_ip, () => answerOf(row.kind, row.input)));
  // The answer rides in the notification when it fits (8,000 bytes at most); the row always has it.
  const notice = `${row.caller_id}:${id}${Buffer.byteLength(answer) <= NOTIFY_ANSWER_MAX ? `:${answer}` : ""}`;
  await db().$executeRaw`
    WITH answered AS (UPDATE session_commands SET answer = ${answer}::jsonb, done_at = now() WHERE id = ${id} RETURNING id)
    SELECT pg_notify(${ANSWERS_CHANNEL}, ${notice}) FROM answered`;
}

async function answerOf(name: string, wire: Json): Promise<Answer> {
  const kind = (KINDS as Record<string, Kind<unknown, unknown>>)[name];
  if (!kind) return { ok: false, code: "internal", detail: "Unknown command." };
  try {
    const input = await kind.receive(wire);
    const sandboxId = kind.sandboxOf(input);
    // This instance let go of the sandbox (it is stopping) after the caller looked.
    if (sandboxId && !(await ownerOf(sandboxId)).mine) return { moved: true };
    return { ok: true, value: kind.answer(await kind.run(input)) };
  } catch (error) {
    if (isApiError(error)) return { ok: false, code: error.code, detail: error.message, errors: error.errors, retryAfterSeconds: error.retryAfterSeconds };
    log.error({ command: name, err: errorField(error) }, "command failed");
    return { ok: false, code: "internal", detail: "The command failed on the instance that runs this session." };
  }
}

function splitOnce(text: string, separator: string): [string, string | null] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, null] : [text.slice(0, at), text.slice(at + 1)];
}

async function catchUp() {
  const pending = await db().sessionCommand.findMany({ where: { ownerId: instanceId(), claimedAt: null }, select: { id: true } });
  for (const { id } of pending) void execute(id).catch(() => undefined);
}

/** Boot: listen for commands addressed to this instance and for answers to its own. */
export function listenForCommands() {
  const me = instanceId();
  const addressed = (payload: string | undefined) => (payload?.startsWith(`${me}:`) ? payload.slice(me.length + 1) : null);
  liveHub().listen(COMMANDS_CHANNEL, {
    onNotification: (payload) => {
      const id = addressed(payload);
      if (id) void execute(id).catch((error: unknown) => log.error({ err: errorField(error) }, "command failed"));
    },
    onResync: () => void catchUp().catch(() => undefined),
  });
  liveHub().listen(ANSWERS_CHANNEL, {
    onNotification: (payload) => {
      const rest = addressed(payload);
      if (!rest) return;
      const [id, answer] = splitOnce(rest, ":");
      waiting.get(id)?.(answer ? (JSON.parse(answer) as Answer) : null);
    },
    // Polling reads whatever was missed; nothing to wake early.
    onResync: () => undefined,
  });
  onHeartbeat(() => void catchUp().catch(() => undefined));
}
