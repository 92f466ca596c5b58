import { readFileSync } from "node:fs";
import type { Message, Trajectory } from "@sera/core";
import { z } from "zod";
import { chatMessage, contentSchema, openAiToolCallSchema, parseOrThrow, reasoningFields } from "./content.js";

const miniMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant", "tool", "exit"]),
  content: contentSchema,
  tool_calls: z.array(openAiToolCallSchema).nullish(),
  tool_call_id: z.string().nullish(),
  extra: z.object({ exit_status: z.string().nullish(), submission: z.string().nullish() }).nullish(),
  ...reasoningFields,
});

const miniTrajSchema = z.object({
  trajectory_format: z.string().refine((format) => format.startsWith("mini-swe-agent-1"), {
    message: "expected a mini-swe-agent-1.x trajectory_format",
  }),
  instance_id: z.string().optional(),
  messages: z.array(miniMessageSchema),
  info: z.object({ exit_status: z.string().nullish(), submission: z.string().nullish() }).optional(),
});

/**
 * A mini-swe-agent `<id>.traj.json` (`mini-swe-agent-1.x`) as a Trajectory.
 *
 * Every chat message becomes one message. The closing `exit` entry is bookkeeping the model never
 * saw: it becomes the trajectory's exit status (`extra.exit_status`) and patch (`extra.submission`),
 * falling back to `info`. Statuses keep their spelling (`Submitted`); compare them case-insensitively.
 */
export function parseMiniSweAgentTraj(raw: unknown, fallbackInstanceId?: string): Trajectory {
  const traj = parseOrThrow(miniTrajSchema, raw, `mini-swe-agent trajectory ${fallbackInstanceId ?? ""}`.trim());
  const instanceId = traj.instance_id ?? fallbackInstanceId;
  if (!instanceId) throw new Error("mini-swe-agent trajectory has no instance_id and none was given");
  const messages: Message[] = [];
  let exitStatus = traj.info?.exit_status ?? "";
  let patch = traj.info?.submission ?? "";
  traj.messages.forEach((entry, index) => {
    if (entry.role === "exit") {
      exitStatus = entry.extra?.exit_status ?? exitStatus;
      patch = entry.extra?.submission ?? patch;
      return;
    }
    const message = chatMessage({ ...entry, role: entry.role }, index);
    if (entry.role === "tool" && entry.tool_call_id) message.toolCallId = entry.tool_call_id;
    messages.push(message);
  });
  return {
    instanceId,
    messages,
    exitStatus,
    patch,
    steps: messages.filter((message) => message.role === "assistant").length,
    source: "mini-swe-agent",
  };
}

export function readMiniSweAgentTrajFile(file: string): Trajectory {
  const fallback = file
    .split("/")
    .pop()
    ?.replace(/\.traj\.json$/, "");
  return parseMiniSweAgentTraj(JSON.parse(readFileSync(file, "utf8")), fallback);
}
