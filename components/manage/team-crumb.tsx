import Link from "next/link";

/** The trail above a team page: Teams / the team (a link back to its members, unless already there). */
export function TeamCrumb({ team, onMembers = false }: { team: { id: string; name: string }; onMembers?: boolean }) {
  return (
    <>
      <Link href="/teams">Teams</Link> / {onMembers ? team.name : <Link href={`/teams/${team.id}/members`}>{team.name}</Link>}
    </>
  );
}
