import "server-only";
import { z } from "zod";
import type { Session } from "@/generated/prisma/client";
import { listenForCommands as listenWith, routeCommand, type Kind } from "@/lib/cluster/transport";
import { PERMISSION_REPLIES } from "@/lib/contract/permissions";
import { db } from "@/lib/db/client";
import * as archives from "@/lib/sandboxes/archive";
import * as changes from "@/lib/sandboxes/changes";
import * as push from "@/lib/sandboxes/push";
import * as sandboxes from "@/lib/sandboxes/sandboxes";
import * as terminals from "@/lib/sandboxes/terminal";
import { cancelTurnOnOwner } from "@/lib/sessions/cancel";
import { createSessionOnOwner, destroySessionOnOwner } from "@/lib/sessions/lifecycle";
import { replyToPermissionOnOwner } from "@/lib/sessions/permissions";
import { resumeSessionOnOwner } from "@/lib/sessions/restore";
import { patchSessionOnOwner, setConfigOptionOnOwner } from "@/lib/sessions/settings";
import { promptSessionOnOwner } from "@/lib/sessions/turns";

// Every command that changes a session or its sandbox, or reads the sandbox through its runtime,
// executed by the instance that owns the sandbox (lib/cluster/takeover.ts), whichever instance the
// request reached. Routes call the commands exported here; the owner-side functions they route to are
// all named `…OnOwner` (eslint.config.mjs refuses those imports in app/ and components/). A command for
// a sandbox owned elsewhere travels through lib/cluster/transport.ts; its input and answer are checked
// against the kind's schema on arrival.

type SessionInput<T> = T & { session: Session };
type SandboxInput<T> = T & { sandbox: sandboxes.SandboxRow };
/** A command's own fields (z.object({}) types its output as having no keys at all: none to add then). */
type FieldsOf<S extends z.ZodRawShape> = keyof S extends never ? object : z.infer<z.ZodObject<S>>;

/** What of a result travels back (checked by `schema` on arrival) and how the caller rebuilds the result. */
interface Reply<R, A, I> {
  schema: z.ZodType<A>;
  encode(result: R): unknown;
  decode(answer: A, input: I): Promise<R>;
}

function kind<I, R, W, A>(def: {
  sandboxOf(input: I): string | null;
  run(input: I): Promise<R>;
  wire: z.ZodType<W>;
  send(input: I): W;
  rebuild(wire: W): Promise<I>;
  reply: Reply<R, A, I>;
}): Kind<I, R> {
  return {
    sandboxOf: def.sandboxOf,
    run: def.run,
    send: def.send,
    receive: (wire) => def.rebuild(def.wire.parse(wire)),
    answer: (result) => def.reply.encode(result),
    back: (wire, input) => def.reply.decode(def.reply.schema.parse(wire), input),
  };
}

// In the two helpers below, the wire schema's output is exactly the fields plus the id; TypeScript
// cannot follow that through the generic shape, hence the one type-level assertion each.

/** A session command: it travels with the session's id, and the owner re-reads the session. */
function sessionKind<S extends z.ZodRawShape, R, A>(
  fields: S,
  run: (input: SessionInput<FieldsOf<S>>) => Promise<R>,
  reply: Reply<R, A, SessionInput<FieldsOf<S>>>,
) {
  type Fields = FieldsOf<S>;
  return kind<SessionInput<Fields>, R, Fields & { sessionId: string }, A>({
    sandboxOf: ({ session }) => session.sandboxId,
    run,
    wire: z.object(fields).extend({ sessionId: z.string() }) as unknown as z.ZodType<Fields & { sessionId: string }>,
    send: ({ session, ...rest }) => ({ ...(rest as Fields), sessionId: session.id }),
    async rebuild({ sessionId, ...rest }) {
      return { ...(rest as Fields), session: await db().session.findUniqueOrThrow({ where: { id: sessionId } }) };
    },
    reply,
  });
}

/** A sandbox command: it travels with the sandbox's id, and the owner re-reads the sandbox. */
function sandboxKind<S extends z.ZodRawShape, R, A>(
  fields: S,
  run: (input: SandboxInput<FieldsOf<S>>) => Promise<R>,
  reply: Reply<R, A, SandboxInput<FieldsOf<S>>>,
) {
  type Fields = FieldsOf<S>;
  return kind<SandboxInput<Fields>, R, Fields & { sandboxId: string }, A>({
    sandboxOf: ({ sandbox }) => sandbox.id,
    run,
    wire: z.object(fields).extend({ sandboxId: z.string() }) as unknown as z.ZodType<Fields & { sandboxId: string }>,
    send: ({ sandbox, ...rest }) => ({ ...(rest as Fields), sandboxId: sandbox.id }),
    async rebuild({ sandboxId, ...rest }) {
      return { ...(rest as Fields), sandbox: await db().sandbox.findUniqueOrThrow({ where: { id: sandboxId } }) };
    },
    reply,
  });
}

/** Nothing travels back; the caller re-reads the session as the owner committed it. */
const rereadSession: Reply<Session, null, { session: Session }> = {
  schema: z.null(),
  encode: () => null,
  decode: (_answer, { session }) => db().session.findUniqueOrThrow({ where: { id: session.id } }),
};
const nothingBack: Reply<void, null, unknown> = { schema: z.null(), encode: () => null, decode: async () => undefined };
const uuid = z.templateLiteral([z.string(), "-", z.string(), "-", z.string(), "-", z.string(), "-", z.string()]);

const userId = z.string();
const setting = z.string().optional();
const createInput = z.object({
  teamId: z.string(),
  agent: z.string(),
  title: z.string().optional(),
  cwd: z.string().optional(),
  model: setting,
  mode: setting,
  thoughtLevel: setting,
  sandboxId: z.string().optional(),
  repositoryId: z.string().optional(),
  branch: z.string().optional(),
});
const contentBlock = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({
    type: z.literal("resource_link"),
    uri: z.string(),
    name: z.string(),
    mimeType: z.string().optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    size: z.number().optional(),
  }),
]);
const workspaceListing = z.object({
  items: z.array(z.object({ name: z.string(), path: z.string(), type: z.enum(["file", "dir"]), size: z.number(), modifiedAt: z.string().nullable() })),
});
const against = z.enum(["base", "push"]);
const changeListing = z.object({
  baseCommit: z.string(),
  pushedCommit: z.string().nullable(),
  against,
  items: z.array(
    z.object({
      path: z.string(),
      status: z.enum(["added", "modified", "deleted", "renamed"]),
      oldPath: z.string().optional(),
      additions: z.number(),
      deletions: z.number(),
      binary: z.boolean(),
    }),
  ),
});
const terminalId = z.string();
const terminalRead = z.object({ output: z.array(z.object({ seq: z.number(), data: z.string() })), ended: z.boolean() });
/** Bytes travel as base64 in the JSON answer. */
const bytesBack: Reply<Uint8Array, string, unknown> = {
  schema: z.string(),
  encode: (bytes) => Buffer.from(bytes).toString("base64"),
  decode: async (base64) => new Uint8Array(Buffer.from(base64, "base64")),
};
/** The answer is the result itself, checked by `schema` on arrival. */
const asIs = <R>(schema: z.ZodType<R>): Reply<R, R, unknown> => ({ schema, encode: (result) => result, decode: async (answer) => answer });

const KINDS = {
  create: kind({
    sandboxOf: ({ input }) => input.sandboxId ?? null,
    run: createSessionOnOwner,
    wire: z.object({ userId, input: createInput }),
    send: (input) => input,
    rebuild: async (wire) => wire,
    reply: { schema: z.string(), encode: (session: Session) => session.id, decode: (id) => db().session.findUniqueOrThrow({ where: { id } }) },
  }),
  prompt: sessionKind({ userId, content: z.array(contentBlock) }, promptSessionOnOwner, {
    schema: uuid,
    encode: ({ turnId }) => turnId,
    decode: async (turnId, input) => ({ turnId, session: await rereadSession.decode(null, input) }),
  }),
  cancel: sessionKind({ userId }, cancelTurnOnOwner, { schema: z.null(), encode: () => null, decode: async () => null }),
  reply: sessionKind({ userId, permissionId: z.string(), reply: z.enum(PERMISSION_REPLIES) }, replyToPermissionOnOwner, {
    schema: z.object({ id: z.string(), status: z.literal("resolved"), reply: z.enum(PERMISSION_REPLIES) }),
    encode: (result) => result,
    decode: async (answer) => answer,
  }),
  patch: sessionKind(
    { userId, patch: z.object({ title: z.string().optional(), model: setting, mode: setting, thoughtLevel: setting, archived: z.boolean().optional() }) },
    patchSessionOnOwner,
    rereadSession,
  ),
  // The agent's config options, passed on to the caller as the agent reported them.
  config: sessionKind({ userId, optionId: z.string(), value: z.union([z.string(), z.boolean()]) }, setConfigOptionOnOwner, {
    schema: z.array(z.looseObject({ id: z.string(), category: z.string().nullish(), type: z.string().optional() })),
    encode: (options) => options,
    decode: async (options) => options,
  }),
  destroy: sessionKind({ userId }, destroySessionOnOwner, rereadSession),
  resume: sessionKind({ userId }, resumeSessionOnOwner, rereadSession),
  stopSandbox: sandboxKind({}, ({ sandbox }) => sandboxes.stopSandboxOnOwner(sandbox), nothingBack),
  destroySandbox: sandboxKind({}, ({ sandbox }) => sandboxes.destroySandboxOnOwner(sandbox.id), nothingBack),
  listWorkspace: sandboxKind({ path: z.string().optional() }, ({ sandbox, path }) => sandboxes.listWorkspaceOnOwner(sandbox, path), {
    schema: workspaceListing,
    encode: (listing) => listing,
    decode: async (listing) => listing,
  }),
  readWorkspaceFile: sandboxKind({ path: z.string() }, ({ sandbox, path }) => sandboxes.readWorkspaceFileOnOwner(sandbox, path), bytesBack),
  listChanges: sandboxKind({ against }, ({ sandbox, against }) => changes.listChangesOnOwner(sandbox, against), asIs(changeListing)),
  diffOfPath: sandboxKind(
    { path: z.string(), oldPath: z.string().optional(), against },
    ({ sandbox, ...request }) => changes.diffOfPathOnOwner(sandbox, request),
    asIs(z.string()),
  ),
  patchOf: sandboxKind({ against }, ({ sandbox, against }) => changes.patchOfOnOwner(sandbox, against), bytesBack),
  readArchive: sandboxKind({ archiveId: z.string().optional(), offset: z.number() }, archives.readArchiveOnOwner, {
    schema: z.object({ archiveId: z.string(), data: z.string(), done: z.boolean() }),
    encode: (chunk) => ({ ...chunk, data: Buffer.from(chunk.data).toString("base64") }),
    decode: async (chunk) => ({ ...chunk, data: new Uint8Array(Buffer.from(chunk.data, "base64")) }),
  }),
  push: sandboxKind(
    { userId, branch: z.string(), message: z.string(), sessionId: z.string().optional() },
    async ({ sandbox, userId, ...request }) =>
      push.pushSandboxOnOwner({
        sandbox,
        user: await db().user.findUniqueOrThrow({ where: { id: userId }, select: { id: true, name: true, email: true } }),
        ...request,
      }),
    asIs(z.object({ branch: z.string(), commit: z.string(), compareUrl: z.string().nullable() })),
  ),
  openTerminal: sandboxKind(
    { userId, cols: z.number().optional(), rows: z.number().optional() },
    terminals.openTerminalOnOwner,
    asIs(z.object({ id: z.string(), openedAt: z.string() })),
  ),
  terminalInput: sandboxKind({ terminalId, data: z.string() }, terminals.sendTerminalInputOnOwner, nothingBack),
  terminalResize: sandboxKind({ terminalId, cols: z.number(), rows: z.number() }, terminals.resizeTerminalOnOwner, nothingBack),
  closeTerminal: sandboxKind(
    { terminalId, userId },
    ({ sandbox, terminalId, userId }) => terminals.closeTerminalOnOwner({ sandbox, terminalId, userId, reason: "closed" }),
    nothingBack,
  ),
  readTerminal: sandboxKind({ terminalId, since: z.number(), waitMs: z.number() }, terminals.readTerminalOnOwner, asIs(terminalRead)),
};

type Kinds = typeof KINDS;
type KindName = keyof Kinds;
type InputOf<K extends KindName> = Kinds[K] extends Kind<infer I, unknown> ? I : never;
type ResultOf<K extends KindName> = Awaited<ReturnType<Kinds[K]["run"]>>;

const command = <K extends KindName>(name: K, input: InputOf<K>) => routeCommand<InputOf<K>, ResultOf<K>>(KINDS, name, input);

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
export const diffOfPath = (sandbox: sandboxes.SandboxRow, request: { path: string; oldPath?: string; against: "base" | "push" }) =>
  command("diffOfPath", { sandbox, ...request });
export const patchOf = (sandbox: sandboxes.SandboxRow, against: "base" | "push") => command("patchOf", { sandbox, against });
export const pushSandbox = (input: InputOf<"push">) => command("push", input);

/**
 * The workspace as a tar.gz stream, read chunk by chunk from the sandbox's owner, whichever instance
 * asks. The first chunk is read before the stream is returned: a problem (too large, no workspace)
 * is still the route's answer then, not a broken download.
 */
export async function workspaceArchive(sandbox: sandboxes.SandboxRow): Promise<ReadableStream<Uint8Array>> {
  let chunk = await command("readArchive", { sandbox, offset: 0 });
  let offset = 0;
  let first = true;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!first) chunk = await command("readArchive", { sandbox, archiveId: chunk.archiveId, offset });
      first = false;
      offset += chunk.data.length;
      if (chunk.data.length) controller.enqueue(chunk.data);
      if (chunk.done) controller.close();
    },
  });
}
export const openTerminal = (input: InputOf<"openTerminal">) => command("openTerminal", input);
export const sendTerminalInput = (input: InputOf<"terminalInput">) => command("terminalInput", input);
export const resizeTerminal = (input: InputOf<"terminalResize">) => command("terminalResize", input);
export const closeTerminal = (input: InputOf<"closeTerminal">) => command("closeTerminal", input);
export const readTerminal = (input: InputOf<"readTerminal">) => command("readTerminal", input);

/** Boot: this instance runs the commands addressed to it. */
export const listenForCommands = () => listenWith(KINDS);
