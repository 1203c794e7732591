import { pageQuery } from "@/lib/db/keyset";

export const listSignInsQuery = pageQuery;
