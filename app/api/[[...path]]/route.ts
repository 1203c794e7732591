import { errorResponse } from "@/lib/api/with-route";
import { requestIdOf } from "@/lib/api/request-id";
import { notFound } from "@/lib/errors";

// Any /api/ path no route file serves: a problem+json 404, not Next's HTML page.

const answer = (request: Request) => errorResponse(notFound("API endpoint"), requestIdOf(request), request);

export { answer as GET, answer as HEAD, answer as POST, answer as PUT, answer as PATCH, answer as DELETE, answer as OPTIONS };
