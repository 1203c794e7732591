import type { EventJson, EventSender, PortalEventPayload } from "@/lib/contract/events";
import type { StoredSessionStatus } from "@/lib/contract/sessions";

// The history's types are the contract's (lib/contract/events.ts); what the writer adds is here.
export type { EventSender, PortalEventPayload };
export type StoredEvent = EventJson;

/** What a session is doing; the row's `status` column. */
export type SessionStatusValue = StoredSessionStatus;

/** The session columns an event implies, applied by the statement that stores it (absent keys stay as they are). */
export interface SessionEffects {
  status?: SessionStatusValue;
  lastStopReason?: string | null;
  usage?: unknown;
  title?: string;
  mode?: string | null;
  model?: string | null;
  thoughtLevel?: string | null;
  modes?: unknown;
  configOptions?: unknown;
  currentTurnId?: string | null;
  destroyedAt?: string;
}

export const NOTIFY_CHANNEL = "portal_events";
