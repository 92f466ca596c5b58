import { readFileSync } from "node:fs";
import path from "node:path";
import type { Message, Trajectory } from "@sera/core";
import { z } from "zod";
import { chatMessage, contentSchema, openAiToolCallSchema, parseOrThrow, reasoningFields } from "./content.js";

const historyMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant", "tool"]),
  content: contentSchema,
  tool_calls: z.array(openAiToolCallSchema).nullish(),
  tool_call_ids: z.array(z.string()).nullish(),
  tool_call_id: z.string().nullish(),
  ...reasoningFields,
});

const sweAgentTrajSchema = z.object({
  history: z.array(historyMessageSchema),
  trajectory: z.array(z.unknown()).optional(),
  info: z.object({ exit_status: z.string().nullish(), submission: z.string().nullish() }).optional(),
});

/**
 * A SWE-agent `.traj` file (0.x thought/action or 1.x function calling) as a Trajectory.
 *
 * Every `history` entry becomes exactly one message, in order: demonstrations (`is_demo`) and
 * format nudges included, since the model saw them. 0.x assistant turns carry their command in the
 * text and so have no toolCalls. The exit status comes from `info.exit_status` ("" while a run is
 * unfinished) and the patch from `info.submission`.
 */
export function parseSweAgentTraj(raw: unknown, instanceId: string): Trajectory {
  const traj = parseOrThrow(sweAgentTrajSchema, raw, `SWE-agent trajectory ${instanceId}`);
  const messages = traj.history.map((entry, index): Message => {
    const message = chatMessage(entry, index);
    if (entry.role === "tool") {
      // SWE-agent answers one call per tool message, listed in tool_call_ids.
      const callId = entry.tool_call_ids?.[0] ?? entry.tool_call_id ?? undefined;
      if (callId !== undefined) message.toolCallId = callId;
    }
    return message;
  });
  return {
    instanceId,
    messages,
    exitStatus: traj.info?.exit_status ?? "",
    patch: traj.info?.submission ?? "",
    steps: traj.trajectory?.length ?? messages.filter((message) => message.role === "assistant").length,
    source: "swe-agent",
  };
}

/** `<dir>/<id>/<id>.traj`: SWE-agent does not store the instance id inside the file, so it comes from the name. */
export function readSweAgentTrajFile(file: string): Trajectory {
  const instanceId = path.basename(file).replace(/\.traj$/, "");
  return parseSweAgentTraj(JSON.parse(readFileSync(file, "utf8")), instanceId);
}
