import { randomUUID } from "node:crypto";

// proxy.ts gives every request an id (replacing any the client sent); routes answer with the same one.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requestIdOf(request: Request): string {
  const id = request.headers.get("x-request-id");
  return id && UUID.test(id) ? id : randomUUID();
}
