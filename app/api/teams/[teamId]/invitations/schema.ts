import { z } from "zod";
import { email, role } from "../members/schema";

export const createInvitationBody = z.object({ email, role });
