import { z } from "zod";
import { pageQuery } from "@/lib/db/keyset";
import { email, role } from "../members/schema";

export const listInvitationsQuery = pageQuery;

export const createInvitationBody = z.object({ email, role });
