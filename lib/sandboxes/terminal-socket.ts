import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { z } from "zod";
import { hashToken } from "@/lib/auth/current-user";
import { ownerOf } from "@/lib/cluster/takeover";
import { resizeTerminal, sendTerminalInput } from "@/lib/cluster/commands";
import { may, type Role } from "@/lib/contract/roles";
import { problemBody } from "@/lib/contract/problems";
import { db } from "@/lib/db/client";
import { ApiError, conflict, forbidden, isApiError, notFound, unauthorized } from "@/lib/errors";
import { liveHub } from "@/lib/events/live-hub";
import { isOriginOf } from "@/lib/http/request-origin";
import { takeStreamSlot } from "@/lib/events/stream-slots";
import { errorField, logger } from "@/lib/log";
import type { SandboxRow } from "@/lib/sandboxes/sandboxes";
import { terminalKeyboardOnOwner, type TerminalOutput } from "@/lib/sandboxes/terminal";
import { followTerminal } from "@/lib/sandboxes/terminal-stream";
import { sandboxAccess } from "@/lib/teams/membership";

// A terminal over one WebSocket (GET …/terminals/:tid/socket?ticket=…&since=N): keystrokes and
// resizes in, output out, authenticated once. The ticket comes from an authenticated request
// (issueTerminalTicket), lives 30 s, is kept hashed in PostgreSQL so the upgrade may land on any
// instance, and is deleted by the upgrade that redeems it. On the sandbox's owner the socket types
// straight into the runtime (the shell and runtime looked up once); elsewhere it goes through the
// command queue like the input route. Output is the stream's (lib/sandboxes/terminal-stream.ts).
//   client → server: {"type":"input","data":"…"} · {"type":"resize","cols":80,"rows":24}
//   server → client: {"type":"output","seq":N,"data":"<base64>"} · {"type":"end"} ·
//                    {"type":"error","status":403,"code":"role_too_low","detail":"…"} (the socket stays open)

const log = logger("terminal");
const TICKET_MS = 30_000;
const PING_MS = 15_000;
const SOCKET_PATH = /^\/api\/sandboxes\/([^/]+)\/terminals\/([^/]+)\/socket$/;

const clientFrame = z.discriminatedUnion("type", [
  // The runtime takes at most 64 KiB of input per request (as the input route).
  z.object({ type: z.literal("input"), data: z.string().min(1).max(16_384) }).strict(),
  z.object({ type: z.literal("resize"), cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) }).strict(),
]);
const sinceParam = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** A single-use ticket for the terminal's socket, for the caller of an authenticated request. */
export async function issueTerminalTicket({
  sandboxId,
  terminalId,
  userId,
  tokenId,
}: {
  sandboxId: string;
  terminalId: string;
  userId: string;
  tokenId?: string;
}) {
  const row = await db().sandboxTerminal.findFirst({ where: { id: terminalId, sandboxId } });
  if (!row) throw notFound("Terminal");
  if (row.closedAt) throw conflict("terminal_closed", "This terminal has ended.");
  const ticket = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + TICKET_MS);
  await db().$transaction([
    // Tickets nobody redeemed go with the next one issued.
    db().terminalTicket.deleteMany({ where: { expiresAt: { lt: new Date() } } }),
    db().terminalTicket.create({ data: { tokenHash: hashToken(ticket), terminalId, userId, tokenId: tokenId ?? null, expiresAt } }),
  ]);
  return { ticket, url: `/api/sandboxes/${sandboxId}/terminals/${terminalId}/socket?ticket=${ticket}`, expiresAt: expiresAt.toISOString() };
}

/** The server's upgrade hook (lib/http/upgrade.ts): takes the terminal socket path, leaves every other one. */
export function handleTerminalUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  const url = new URL(request.url ?? "/", "http://portal");
  const match = SOCKET_PATH.exec(url.pathname);
  if (!match) return false;
  void accept(request, socket, head, { sandboxId: match[1]!, terminalId: match[2]!, url });
  return true;
}

async function accept(
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  { sandboxId, terminalId, url }: { sandboxId: string; terminalId: string; url: URL },
) {
  const requestId = randomUUID();
  socket.on("error", () => undefined);
  try {
    if (!sameOrigin(request)) throw forbidden("Cross-origin requests are not allowed.", "cross_origin");
    const since = sinceParam.safeParse(url.searchParams.get("since") ?? 0);
    if (!since.success) throw new ApiError("validation_failed", "since must be a whole number of at least 0.");
    const ticket = await redeemTicket(url.searchParams.get("ticket") ?? "");
    if (!ticket || ticket.terminalId !== terminalId) throw unauthorized("The ticket is not valid, was used already or has expired; ask for a new one.");
    const access = await sandboxAccess({ sandboxId, userId: ticket.userId });
    if (!access || !may(access.role, "read")) throw notFound("Sandbox");
    const row = await db().sandboxTerminal.findFirst({ where: { id: terminalId, sandboxId } });
    if (!row) throw notFound("Terminal");
    if (row.closedAt) throw conflict("terminal_closed", "This terminal has ended.");
    // The slot is the socket's (ws closes it with the socket, and so does a handshake ws refuses).
    socket.once("close", await takeStreamSlot(ticket.userId));
    sockets().handleUpgrade(request, socket, head, (ws) =>
      serve(ws, { sandbox: access.sandbox, terminalId, since: since.data, role: access.role, userId: ticket.userId, tokenId: ticket.tokenId }),
    );
  } catch (error) {
    refuse(socket, error, requestId);
  }
}

/** Deletes the ticket and returns what it was for, when it existed and had not expired. */
async function redeemTicket(ticket: string) {
  if (!ticket || ticket.length > 200) return null;
  const [row] = await db().$queryRaw<Array<{ terminalId: string; userId: string; tokenId: string | null; expired: boolean }>>`
    DELETE FROM terminal_tickets WHERE token_hash = ${hashToken(ticket)}
    RETURNING terminal_id AS "terminalId", user_id AS "userId", token_id AS "tokenId", expires_at < now() AS expired`;
  return row && !row.expired ? row : null;
}

/** A browser always sends Origin on a WebSocket: it must be this host. Other clients send none. */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  // X-Forwarded-* are this server's own view unless a trusted proxy sets them (lib/http/server-policy.ts).
  return isOriginOf(origin, new Headers(request.headers as Record<string, string>));
}

function refuse(socket: Duplex, error: unknown, requestId: string) {
  if (!isApiError(error)) log.error({ requestId, err: errorField(error) }, "a terminal socket could not open");
  const problem = isApiError(error)
    ? problemBody(error.code, error.message, requestId)
    : problemBody("internal", "Something went wrong on our side. Quote the request id if you report it.", requestId);
  const body = JSON.stringify(problem);
  const retryAfter = isApiError(error) && error.retryAfterSeconds !== undefined ? `retry-after: ${error.retryAfterSeconds}\r\n` : "";
  socket.end(
    `HTTP/1.1 ${problem.status} ${problem.title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\n${retryAfter}connection: close\r\n\r\n${body}`,
  );
}

const globalSockets = globalThis as unknown as { portalTerminalSockets?: WebSocketServer };
const sockets = () => (globalSockets.portalTerminalSockets ??= new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 }));

function serve(
  ws: WebSocket,
  {
    sandbox,
    terminalId,
    since,
    role,
    userId,
    tokenId,
  }: { sandbox: SandboxRow; terminalId: string; since: number; role: Role; userId: string; tokenId: string | null },
) {
  const stop = new AbortController();
  const send = (frame: object) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };
  const ping = setInterval(() => ws.ping(), PING_MS);
  // Checked once at the upgrade, then kept current like an event stream's: a role change changes
  // whether the socket may type, and a membership removed, an account disabled or the ticket's token
  // revoked closes it (on whichever instance holds it).
  let canType = may(role, "work");
  const unwatch = liveHub().subscribe(`terminal:${terminalId}`, {
    userId,
    teamId: sandbox.teamId,
    ...(tokenId ? { tokenId } : {}),
    onEvents: () => undefined,
    onResync: () => undefined,
    onRevoked: () => {
      send(problemFrame(notFound("Sandbox")));
      ws.close(4404, "access ended");
    },
    onRoleChanged: (now) => (canType = may(now, "work")),
  });
  ws.on("error", () => undefined);
  ws.on("close", () => {
    clearInterval(ping);
    unwatch();
    stop.abort();
  });

  // Keystrokes and resizes reach the shell one after another, in the order they came.
  let keyboard: Promise<(data: string) => Promise<void>> | null = null;
  let queue = Promise.resolve();
  const type = (data: string) => {
    keyboard ??= ownerOf(sandbox.id).then((owner) =>
      owner.mine ? terminalKeyboardOnOwner({ sandbox, terminalId }) : (text: string) => sendTerminalInput({ sandbox, terminalId, data: text }),
    );
    return keyboard.then((send) => send(data));
  };
  ws.on("message", (raw: RawData, binary: boolean) => {
    const frame = binary ? null : clientFrame.safeParse(parseJson(raw.toString()));
    if (!frame?.success) return send(problemFrame(new ApiError("validation_failed", "Send {type:'input',data} or {type:'resize',cols,rows} as JSON text.")));
    if (!canType) return send(problemFrame(new ApiError("role_too_low", "Viewers watch a terminal; typing needs the member role.")));
    const { data } = frame;
    queue = queue
      .then(() => (data.type === "input" ? type(data.data) : resizeTerminal({ sandbox, terminalId, cols: data.cols, rows: data.rows })))
      .catch((error: unknown) => {
        // A failed lookup is not kept: the next keystroke tries again.
        keyboard = null;
        if (!isApiError(error)) log.error({ terminalId, err: errorField(error) }, "terminal input failed");
        send(problemFrame(isApiError(error) ? error : new ApiError("internal", "Something went wrong on our side.")));
      });
  });

  void followTerminal({ sandbox, terminalId, since, onOutput: (output: TerminalOutput) => send({ type: "output", ...output }), signal: stop.signal })
    .then((ended) => {
      if (!ended) return;
      send({ type: "end" });
      ws.close(1000, "ended");
    })
    .catch((error: unknown) => {
      log.error({ terminalId, err: errorField(error) }, "a terminal socket failed");
      ws.close(1011, "failed");
    });
}

function problemFrame(error: ApiError) {
  return { type: "error", status: error.status, code: error.code, detail: error.message };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
