import "server-only";
import type { Session } from "@/generated/prisma/client";
import { conflict } from "@/lib/errors";

// What a session must be for a command to make sense; checked before anything changes.

export function assertWritable(session: Session) {
  if (session.status === "destroyed") throw conflict("session_destroyed", "The session is destroyed; its history is read-only.");
}

export function assertNoTurnRunning(session: Session) {
  if (session.status === "running") throw conflict("turn_running", "A turn is already running in this session; wait for it or cancel it.");
}
