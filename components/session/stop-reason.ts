// How the UI names an ACP stop reason (and the portal's own `interrupted`).

const TURN_END: Record<string, string> = {
  end_turn: "Turn complete",
  cancelled: "Stopped",
  interrupted: "Interrupted: the runtime went away",
  max_tokens: "Stopped at the token limit",
  max_turn_requests: "Stopped at the request limit",
  refusal: "The agent refused",
  error: "The turn failed",
};

const SHORT: Record<string, string> = {
  end_turn: "Completed",
  cancelled: "Stopped",
  interrupted: "Interrupted",
  max_tokens: "Token limit",
  max_turn_requests: "Request limit",
  refusal: "Refused",
  error: "Failed",
};

const spaced = (reason: string) => reason.replaceAll("_", " ");

/** The divider line at the end of a turn. */
export function turnEndLabel(reason: string) {
  return TURN_END[reason] ?? `Turn ended: ${spaced(reason)}`;
}

/** A short form for the session's details. */
export function stopReasonShort(reason: string) {
  return SHORT[reason] ?? spaced(reason);
}
