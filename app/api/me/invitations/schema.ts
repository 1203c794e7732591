import { pageQuery } from "@/lib/db/keyset";

export const listMyInvitationsQuery = pageQuery;
