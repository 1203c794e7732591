import { z } from "zod";
import { role } from "../schema";

export const updateMemberBody = z.object({ role });
