import { authRouteHandler } from "@/lib/auth/route-handler";

export const GET = authRouteHandler;
export const POST = authRouteHandler;
