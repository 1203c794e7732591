import { pageQuery } from "@/lib/db/keyset";

export const listCredentialsQuery = pageQuery;
