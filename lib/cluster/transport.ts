import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { instanceId } from "@/lib/cluster/identity";
import { onHeartbeat } from "@/lib/cluster/lease";
import { leaseSeconds } from "@/lib/cluster/state";
import { ownerOf } from "@/lib/cluster/takeover";
import { db } from "@/lib/db/client";
import { ApiError, isApiError, isProblemCode } from "@/lib/errors";
import { liveHub } from "@/lib/events/live-hub";
import { currentClientIp, runForClient } from "@/lib/http/request-context";
import { errorField, logger } from "@/lib/log";

const log = logger("commands");

// The command transport between instances. A command for a sandbox owned elsewhere travels as a
// session_commands row, announced by NOTIFY, and its answer (a value or the ApiError the owner raised)
// comes back the same way. PostgreSQL is already what every instance shares and trusts, so commands
// need no addresses of one another, no second secret and no open port between instances; a missed
// notification is caught up by polling. What the commands are is lib/cluster/commands.ts.

const COMMANDS_CHANNEL = "portal_commands";
const ANSWERS_CHANNEL = "portal_command_answers";
// Creating a session may start a sandbox first; nothing a caller waits for takes longer.
const ANSWER_TIMEOUT_MS = 60_000;
const POLL_MS = 1_000;
const NOTIFY_ANSWER_MAX = 7_000;

// What comes back: the value, the owner's problem, or "ask again" (the owner let go meantime).
const answerSchema = z.union([
  z.object({ ok: z.literal(true), value: z.json() }),
  z.object({
    ok: z.literal(false),
    code: z.string(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    retryAfterSeconds: z.number().optional(),
  }),
  z.object({ moved: z.literal(true) }),
]);
type Answer = z.infer<typeof answerSchema>;

/** How one kind of command runs on the owner and what of its result travels back to the caller. */
export interface Kind<I, R> {
  /** The sandbox whose owner runs it; null: any instance may (a new sandbox is the caller's own). */
  sandboxOf(input: I): string | null;
  run(input: I): Promise<R>;
  /** Input as it travels (as JSON) and as the owner rebuilds it, checked against the kind's schema. */
  send(input: I): unknown;
  receive(wire: unknown): Promise<I>;
  /** Result as it travels and as the caller rebuilds it, checked against the kind's schema. */
  answer(result: R): unknown;
  back(wire: unknown, input: I): Promise<R>;
}

/** The kinds by name (lib/cluster/commands.ts). */
export type Registry = Readonly<Record<string, object>>;

/** Runs a command on the instance that owns its sandbox: here, or forwarded and answered there. */
export async function routeCommand<I, R>(registry: Registry, name: string, input: I): Promise<R> {
  const kind = registry[name] as Kind<I, R>;
  // An owner that lets go between the lookup and the command answers "moved": look again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const sandboxId = kind.sandboxOf(input);
    const owner = sandboxId ? await ownerOf(sandboxId) : ({ mine: true } as const);
    if (owner.mine) return kind.run(input);
    if (!owner.alive) throw ownerGone();
    const answer = await forward(owner.ownerId, name, kind.send(input));
    if ("moved" in answer) continue;
    // The owner's problem as it raised it; an answer from an older instance may carry no code.
    if (!answer.ok)
      throw new ApiError(isProblemCode(answer.code) ? answer.code : "internal", answer.detail, {
        errors: answer.errors,
        retryAfterSeconds: answer.retryAfterSeconds,
      });
    return kind.back(answer.value, input);
  }
  throw ownerGone();
}

function ownerGone() {
  const seconds = Math.ceil(leaseSeconds());
  return new ApiError(
    "instance_unavailable",
    `The portal instance that runs this session stopped answering; another one takes it over within ${seconds} s. Try again then.`,
    { retryAfterSeconds: seconds },
  );
}

// ---- The caller's side: a command row, a NOTIFY, and the answer ----

// Callers waiting for an answer, by command id. On globalThis: the LISTEN connection's handlers were
// registered from the boot bundle, the callers run in route bundles, each with its own module copy.
const globalWaiting = globalThis as unknown as { portalCommandsWaiting?: Map<string, (answer: Answer | null) => void> };
const waiting = (globalWaiting.portalCommandsWaiting ??= new Map());

async function forward(ownerId: string, kind: string, input: unknown): Promise<Answer> {
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
      if (row?.answer) return answerSchema.parse(row.answer);
      const alive = await db().portalInstance.count({ where: { id: ownerId } });
      if (!alive || Date.now() > deadline) {
        // Unclaimed, it will never run; claimed, it may still have taken effect.
        const claimed = Boolean(row?.claimedAt);
        if (!alive && !claimed) return { moved: true };
        throw new ApiError(
          "instance_unavailable",
          claimed ? "The instance that runs this session did not answer in time; the command may still take effect." : ownerGone().message,
          { retryAfterSeconds: Math.ceil(leaseSeconds()) },
        );
      }
      wake = new Promise<Answer | null>((resolve) => waiting.set(id, resolve));
    }
  } finally {
    waiting.delete(id);
    void db()
      .sessionCommand.deleteMany({ where: { id } })
      .catch(() => undefined);
  }
}

// ---- The owner's side: claim the row once, run the command, store and announce the answer ----

async function execute(registry: Registry, id: string) {
  const [row] = await db().$queryRaw<Array<{ kind: string; input: unknown; caller_id: string; client_ip: string | null }>>`
    UPDATE session_commands SET claimed_at = now() WHERE id = ${id} AND owner_id = ${instanceId()} AND claimed_at IS NULL
    RETURNING kind, input, caller_id, client_ip`;
  if (!row) return;
  // Run as for the request that asked: its audit entry gets that client's address.
  const answer = JSON.stringify(await runForClient(row.client_ip, () => answerOf(registry, row.kind, row.input)));
  // The answer rides in the notification when it fits (8,000 bytes at most); the row always has it.
  const notice = `${row.caller_id}:${id}${Buffer.byteLength(answer) <= NOTIFY_ANSWER_MAX ? `:${answer}` : ""}`;
  await db().$executeRaw`
    WITH answered AS (UPDATE session_commands SET answer = ${answer}::jsonb, done_at = now() WHERE id = ${id} RETURNING id)
    SELECT pg_notify(${ANSWERS_CHANNEL}, ${notice}) FROM answered`;
}

async function answerOf(registry: Registry, name: string, wire: unknown): Promise<Answer> {
  const kind = registry[name] as Kind<unknown, unknown> | undefined;
  if (!kind) return { ok: false, code: "internal", detail: "Unknown command." };
  try {
    const input = await kind.receive(wire);
    const sandboxId = kind.sandboxOf(input);
    // This instance let go of the sandbox (it is stopping) after the caller looked.
    if (sandboxId && !(await ownerOf(sandboxId)).mine) return { moved: true };
    return { ok: true, value: kind.answer(await kind.run(input)) as z.core.util.JSONType };
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

async function catchUp(registry: Registry) {
  const pending = await db().sessionCommand.findMany({ where: { ownerId: instanceId(), claimedAt: null }, select: { id: true } });
  for (const { id } of pending) void execute(registry, id).catch(() => undefined);
}

/** Boot: listen for commands addressed to this instance (run from `registry`) and for answers to its own. */
export function listenForCommands(registry: Registry) {
  const me = instanceId();
  const addressed = (payload: string | undefined) => (payload?.startsWith(`${me}:`) ? payload.slice(me.length + 1) : null);
  liveHub().listen(COMMANDS_CHANNEL, {
    onNotification: (payload) => {
      const id = addressed(payload);
      if (id) void execute(registry, id).catch((error: unknown) => log.error({ err: errorField(error) }, "command failed"));
    },
    onResync: () => void catchUp(registry).catch(() => undefined),
  });
  liveHub().listen(ANSWERS_CHANNEL, {
    onNotification: (payload) => {
      const rest = addressed(payload);
      if (!rest) return;
      const [id, answer] = splitOnce(rest, ":");
      waiting.get(id)?.(answer ? answerSchema.parse(JSON.parse(answer)) : null);
    },
    // Polling reads whatever was missed; nothing to wake early.
    onResync: () => undefined,
  });
  onHeartbeat(() => void catchUp(registry).catch(() => undefined));
}
