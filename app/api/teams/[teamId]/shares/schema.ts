import { pageQuery } from "@/lib/db/keyset";

export const listTeamSharesQuery = pageQuery;
