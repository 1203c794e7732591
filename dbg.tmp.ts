import { openPortal, waitFor } from "./tests/integration/harness";
const f = await openPortal();
try {
  const s = await f.api.post("/api/sessions", { teamId: f.teamId, agent: "demo" });
  for (const text of [`plain ${"\ud83d"} half`, `nul \u0000 here`]) {
    const r = await f.api.request("POST", `/api/sessions/${s.id}/prompt`, { text });
    console.log("prompt", r.status, JSON.stringify(r.body));
    await new Promise((r) => setTimeout(r, 3000));
    const session = await f.api.get(`/api/sessions/${s.id}`);
    console.log("status", session.status, session.eventCount);
    const events = await f.api.get(`/api/sessions/${s.id}/events?limit=100`);
    for (const e of events.items.slice(-6)) console.log(JSON.stringify(e).slice(0, 300));
    if (session.status === "running") { await f.api.request("POST", `/api/sessions/${s.id}/cancel`); await new Promise((r) => setTimeout(r, 2000)); }
  }
  console.log(f.portal.output().split("\n").filter((l) => /error|fail|warn/i.test(l)).slice(-20).join("\n"));
} finally { await f.close(); }
