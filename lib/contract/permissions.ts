import type { SessionStatus } from "@/lib/contract/sessions";

// Permission JSON and the reply vocabulary, shared by the routes and the components.

/** What a person answers (POST /api/sessions/:id/permissions/:permissionId). */
export const PERMISSION_REPLIES = ["once", "always", "reject"] as const;
export type PermissionReply = (typeof PERMISSION_REPLIES)[number];

/** The ACP option kind each reply picks. */
export const REPLY_OPTION_KIND: Record<PermissionReply, string> = { once: "allow_once", always: "allow_always", reject: "reject_once" };

/** The reply an ACP option kind stands for (options of other kinds are not offered as replies). */
export function replyForKind(kind: string): PermissionReply | null {
  return PERMISSION_REPLIES.find((reply) => REPLY_OPTION_KIND[reply] === kind) ?? null;
}

/** How a request ended: a person's reply, or nobody's (the turn ended, the runtime lost it). */
export const PERMISSION_OUTCOMES = [...PERMISSION_REPLIES, "cancelled", "expired"] as const;
export type PermissionOutcome = (typeof PERMISSION_OUTCOMES)[number];

export interface PermissionOptionJson {
  optionId: string;
  name: string;
  kind: string;
}

export interface PermissionJson {
  id: string;
  createdAt: string;
  toolCall: { title?: string; kind?: string; rawInput?: unknown; toolCallId?: string };
  options: PermissionOptionJson[];
}

/** An inbox entry (GET /api/permissions): a pending permission with the session it waits in. */
export interface InboxItemJson extends PermissionJson {
  sessionId: string;
  teamId: string;
  teamName: string;
  sessionTitle: string;
  agent: string;
}

/** A session whose status changed, as the "needs you" feed tells it. */
export interface SessionChangeJson {
  id: string;
  teamId: string;
  status: SessionStatus;
  title: string;
  updatedAt: string;
  createdAt: string;
  archivedAt: string | null;
  lastStopReason: string | null;
}

/** One snapshot of the "needs you" feed (GET /api/permissions/stream): my teams' pending permissions. */
export interface AttentionSnapshotJson {
  count: number;
  items: InboxItemJson[];
  /** Sessions that changed since the last snapshot, with their status as people see it. */
  sessions: SessionChangeJson[];
  /** Changes may have been missed (the feed reconnected too late to catch up): session lists must be re-read. */
  resync: boolean;
}
