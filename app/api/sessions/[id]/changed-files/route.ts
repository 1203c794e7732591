import { withRoute } from "@/lib/api/with-route";
import { changedFilesOfSession } from "@/lib/sandboxes/changed-files";

// The workspace files this session's tool calls changed, for the Files panel's marks.
export const GET = withRoute({ session: "read" }, async ({ session }) => changedFilesOfSession(session));
