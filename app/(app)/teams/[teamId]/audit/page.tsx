import Link from "next/link";
import { redirect } from "next/navigation";
import { TeamCrumb } from "@/components/manage/team-crumb";
import { ManageTable } from "@/components/ui/manage-table";
import { PageHeader } from "@/components/ui/page-header";
import { displayNames } from "@/lib/accounts/account";
import { AUDIT_ACTIONS } from "@/lib/audit";
import { getCurrentUser } from "@/lib/auth/current-user";
import { listAuditEntries } from "@/lib/teams/audit-log";
import { may } from "@/lib/contract/roles";
import { teamForPage, teamPeople } from "@/lib/teams/membership";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ teamId: string }>; searchParams: Promise<Record<string, string | undefined>> };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export async function generateMetadata({ params }: Props) {
  const user = await getCurrentUser();
  if (!user) return { title: "Audit" };
  const { team } = await teamForPage((await params).teamId, user.id);
  return { title: `Audit · ${team.name}` };
}

export default async function AuditPage({ params, searchParams }: Props) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const { teamId } = await params;
  const { team, role } = await teamForPage(teamId, user.id);
  const search = await searchParams;
  if (!may(role, "readAudit")) {
    return (
      <div className="page">
        <h1>Audit log of {team.name}</h1>
        <p className="muted">Only admins and owners of the team read its audit log; you are {role}.</p>
      </div>
    );
  }
  // Unknown filter values show everything rather than an error page.
  const action = (AUDIT_ACTIONS as readonly string[]).includes(search.action ?? "") ? search.action : undefined;
  const from = search.from && DATE.test(search.from) ? search.from : undefined;
  const to = search.to && DATE.test(search.to) ? search.to : undefined;
  const members = await teamPeople(teamId);
  const actorId = members.some((member) => member.id === search.actor) ? search.actor : undefined;
  let page: Awaited<ReturnType<typeof listAuditEntries>>;
  try {
    page = await listAuditEntries({
      teamId,
      limit: 50,
      cursor: search.cursor,
      actorId,
      action,
      from: from ? new Date(`${from}T00:00:00Z`) : undefined,
      // The "to" day is included.
      to: to ? new Date(new Date(`${to}T00:00:00Z`).getTime() + 24 * 3600 * 1000) : undefined,
    });
  } catch {
    page = await listAuditEntries({ teamId, limit: 50, actorId, action });
  }
  // Former members who acted are named too.
  const people = new Map(members.map((member) => [member.id, member.name || member.email]));
  const formerActors = page.items.map((entry) => entry.actorId).filter((id): id is string => Boolean(id) && !people.has(id!));
  for (const [id, name] of await displayNames(formerActors)) people.set(id, name);
  const next = new URLSearchParams({
    ...(actorId ? { actor: actorId } : {}),
    ...(action ? { action } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(page.nextCursor ? { cursor: page.nextCursor } : {}),
  });

  return (
    <div className="page">
      <PageHeader crumb={<TeamCrumb team={team} />} title={`Audit log of ${team.name}`} subtitle="Every change in the team, newest first. Read-only." />
      <form className="manage-filters" action={`/teams/${team.id}/audit`} data-testid="audit-filters">
        <label className="field">
          <span>Actor</span>
          <select name="actor" defaultValue={actorId ?? ""} data-testid="audit-actor">
            <option value="">Anyone</option>
            {members.map((member) => (
              <option key={member.id} value={member.id}>
                {member.name || member.email}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Action</span>
          <select name="action" defaultValue={action ?? ""} data-testid="audit-action">
            <option value="">Any</option>
            {AUDIT_ACTIONS.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>From</span>
          <input type="date" name="from" defaultValue={from ?? ""} data-testid="audit-from" />
        </label>
        <label className="field">
          <span>To</span>
          <input type="date" name="to" defaultValue={to ?? ""} data-testid="audit-to" />
        </label>
        <button type="submit" className="button small" data-testid="audit-apply">
          Apply
        </button>
        <Link href={`/teams/${team.id}/audit`} className="button ghost small">
          Clear
        </Link>
      </form>
      {page.items.length === 0 ? (
        <div className="empty" data-testid="audit-empty">
          <p className="empty-title">No entries</p>
          <p className="muted">Nothing matches these filters.</p>
        </div>
      ) : (
        <ManageTable testId="audit-list" className="audit-table" columns={["Time (UTC)", "Actor", "Action", "Target", "IP", "Detail"]}>
          {page.items.map((entry) => (
            <tr key={entry.id} data-testid="audit-row" data-entry-id={entry.id} data-action={entry.action} data-actor-id={entry.actorId ?? ""}>
              <td className="muted small audit-short">{entry.at.replace("T", " ").slice(0, 19)}</td>
              <td className="audit-words" data-label="By">
                {entry.actorId ? (people.get(entry.actorId) ?? entry.actorId) : "—"}
              </td>
              <td className="audit-short">
                <code>{entry.action}</code>
              </td>
              <td className="muted small audit-words" data-label="Target" data-testid="audit-target">
                <AuditTarget
                  teamId={team.id}
                  type={entry.targetType}
                  id={entry.targetId}
                  detail={entry.detail}
                  name={entry.targetId ? people.get(entry.targetId) : undefined}
                />
              </td>
              <td className="muted small audit-short" data-label="IP" data-testid="audit-ip">
                {entry.ip ?? "—"}
              </td>
              <td className="muted small audit-detail" data-testid="audit-detail">
                <AuditDetail detail={entry.detail} people={people} />
              </td>
            </tr>
          ))}
        </ManageTable>
      )}
      {page.nextCursor && (
        <div className="pager">
          <Link className="button ghost" href={`/teams/${team.id}/audit?${next}`} data-testid="audit-older">
            Older entries →
          </Link>
        </div>
      )}
    </div>
  );
}

/** Where an entry's target lives in the portal, as a link when it has a page. */
function AuditTarget({ teamId, type, id, detail, name }: { teamId: string; type: string | null; id: string | null; detail: unknown; name?: string }) {
  if (!type) return <>—</>;
  const label = `${type} ${name ?? id?.slice(0, 8) ?? ""}`.trim();
  const sessionId = type === "session" ? id : type === "permission" && isRecord(detail) && typeof detail.sessionId === "string" ? detail.sessionId : null;
  const href = sessionId
    ? `/sessions/${sessionId}`
    : type === "sandbox"
      ? `/teams/${teamId}/sandboxes`
      : type === "membership" || type === "member" || type === "user" || type === "invitation" || type === "team"
        ? `/teams/${teamId}/members`
        : null;
  return href ? <Link href={href}>{label}</Link> : <>{label}</>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The entry's detail as "key: value" lines people read, not JSON. */
function AuditDetail({ detail, people }: { detail: unknown; people: Map<string, string> }) {
  if (!isRecord(detail)) return detail === null || detail === undefined ? null : <>{String(detail)}</>;
  const words = (key: string) =>
    key
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .replaceAll("_", " ")
      .toLowerCase();
  const value = (key: string, raw: unknown): string => {
    if (typeof raw === "string") return /id$/i.test(key) ? (people.get(raw) ?? raw.slice(0, 8)) : raw;
    if (typeof raw === "number" || typeof raw === "boolean") return String(raw);
    if (raw === null || raw === undefined) return "—";
    return JSON.stringify(raw).slice(0, 120);
  };
  return (
    <dl className="audit-detail-list">
      {Object.entries(detail)
        .slice(0, 8)
        .map(([key, raw]) => (
          <div key={key}>
            <dt>{words(key)}</dt>
            <dd>{value(key, raw)}</dd>
          </div>
        ))}
    </dl>
  );
}
