import { z } from "zod";

/**
 * The pipe between a local coordinator and its worker host (worker-host.ts): one JSON object a
 * line each way. Attempt directories travel as JSON strings, so any path (spaces, quotes) is safe.
 */

export const hostMessageSchema = z.object({ op: z.enum(["submit", "go", "cancel"]), dir: z.string().min(1) });
export type HostMessage = z.infer<typeof hostMessageSchema>;

/** What the host says back; the coordinator only needs to know that something finished, so it polls now. */
export type HostReply = { op: "done"; dir: string } | { op: "failed"; dir: string; error: string };
