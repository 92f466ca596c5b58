import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generationInstanceStateSchema, readJson, reportCorruptionToStderr, writeJsonAtomic, type CorruptionSink, type Message } from "@sera/core";
import { BUG_PROMPT_TEMPLATES } from "../tasks/bug-prompts.js";
import type { Demonstration } from "../tasks/demonstrations.js";
import { renderBugPrompt } from "../tasks/instance-prompts.js";
import { parsePrText, renderPrPrompt } from "../tasks/pr-writer.js";
import { attemptPromptIndex, type SampledTask } from "../tasks/sampling.js";
import { MAX_TRUNCATION_ATTEMPT, parseSelfCheck, renderSelfCheckPrompt, truncateSteps } from "../tasks/self-check.js";
import type { AcceptedPatches } from "./duplicate-patches.js";
import type { GenerationParams } from "./params.js";
import { callOwner } from "./teacher.js";
import {
  EnvironmentSetupError,
  isTransientKind,
  ModelCallError,
  patchRecall,
  replyText,
  runRollout,
  sandboxLimitsFromParams,
  type ChatModel,
  type Isolation,
  type PatchRecall,
  type PreparedSource,
  type RolloutEnvironments,
  type RolloutFailure,
} from "@sera/rollout";
import { trajectorySteps } from "./trajectory-steps.js";

/**
 * One instance's journey as a state machine: rollout 1 → self-check → synthetic PR → rollout 2 →
 * soft verification. After every step the state is written atomically to state.json, so a killed
 * run resumes each instance at its last finished step; a rollout cut off mid-way starts again.
 * A teacher outage (unreachable, 5xx or 429 after retries, key unset) is not the instance's fault:
 * the instance pauses at its step with a transient failure and the next run picks it up there.
 */

/** A rollout's own failures (the runtime's vocabulary, shared with evaluation) and the instance's later ones. */
export type FailureReason = RolloutFailure | "judged_no" | "unparsed_reply" | "duplicate_patch" | "cost_limit";

export interface RolloutRecord {
  phase: "r1" | "r2";
  attempt: number;
  exitStatus: string;
  steps: number;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  wallSeconds: number;
  promptIndex: number | null;
  /** Self-check verdict for rollout-1 attempts (null: unreadable or not asked). */
  selfCheck: boolean | null;
  failure: FailureReason | null;
  /** The teacher could not be used (unreachable, context overflow): the instance stops here. */
  modelError: string | null;
  /** The ModelCallError kind behind `modelError`, which decides whether the stop is transient. */
  modelErrorKind?: string | null;
  /** Paths relative to the instance directory. */
  trajectoryFile: string;
  patchFile: string;
}

export interface InstanceState {
  task: SampledTask;
  step: "rollout1" | "self_check" | "pr" | "rollout2" | "verify" | "done" | "failed";
  attempt: number;
  rollouts: RolloutRecord[];
  pr: { text: string; demonstrationId: string } | null;
  verification: (PatchRecall & { threshold: number; mode: string }) | null;
  /** `transient`: a teacher outage paused the instance at `step`; it is not terminal and resumes there. */
  failure: { reason: FailureReason; detail: string; step: string; transient?: boolean } | null;
}

export interface InstanceContext {
  teacher: ChatModel;
  source: PreparedSource;
  sandboxRoot: string;
  isolation: Isolation;
  /** The stage's `environment:`: makes each rollout's sandbox (a prepared environment is set up once per commit). */
  environments: RolloutEnvironments;
  params: GenerationParams;
  /** The instance's repository, as its id and rows name it (`{repo}` in an image name template). */
  repoName: string;
  demonstrations: Map<string, Demonstration>;
  dir: string;
  signal?: AbortSignal;
  /** Where unreadable files (a trajectory cut short) are reported. */
  onCorrupt?: CorruptionSink;
  /** The run's accepted rollout-1 patches; when given, a repeat skips the PR and rollout 2. */
  acceptedPatches?: AcceptedPatches;
  /** Why this instance may not spend more on the teacher (budget.usdPerInstance), or null while it may. */
  overBudget?: () => string | null;
}

const instanceSteps = new Set(["rollout1", "self_check", "pr", "rollout2", "verify", "done", "failed"]);

function looksLikeState(value: unknown): value is InstanceState {
  const state = value as Partial<InstanceState> | null;
  return (
    typeof state === "object" &&
    state !== null &&
    typeof state.step === "string" &&
    instanceSteps.has(state.step) &&
    Array.isArray(state.rollouts) &&
    typeof state.attempt === "number"
  );
}

/**
 * The instance's saved state, or a fresh one. A state.json that is not a readable state (cut
 * short, overwritten) is moved aside to state.json.corrupt, reported, and the instance starts
 * again from rollout 1; the calls it already made stay in calls.jsonl, so they are booked once.
 */
export function loadInstanceState(dir: string, task: SampledTask, onCorrupt: CorruptionSink = reportCorruptionToStderr): InstanceState {
  const file = path.join(dir, "state.json");
  const action = "moved it to state.json.corrupt and re-ran the instance from rollout 1";
  let unreadable = false;
  const saved = readJson<unknown>(file, {
    onCorrupt: (report) => {
      unreadable = true;
      onCorrupt({ ...report, action });
    },
  });
  if (saved !== undefined && !looksLikeState(saved)) {
    unreadable = true;
    onCorrupt({ file, problem: "not an instance state (no known step or rollouts)", action });
  }
  if (unreadable) renameSync(file, `${file}.corrupt`);
  if (saved !== undefined && looksLikeState(saved)) return saved;
  return { task, step: "rollout1", attempt: 1, rollouts: [], pr: null, verification: null, failure: null };
}

/** Terminal or paused by an outage: either way this run does nothing more with the instance. */
export function instanceSettled(state: InstanceState): boolean {
  return state.step === "done" || state.step === "failed";
}

export function pausedByOutage(state: InstanceState): boolean {
  return state.failure?.transient === true && !instanceSettled(state);
}

/**
 * One rollout of the instance, through the shared runtime. `setupError` is set (and no record kept)
 * when its sandbox or environment failed: that fails the instance, as any sandbox error does.
 */
async function rollout(
  context: InstanceContext,
  phase: "r1" | "r2",
  attempt: number,
  problem: string,
  promptIndex: number | null,
): Promise<{ record: RolloutRecord; setupError: { reason: FailureReason; detail: string } | null }> {
  const name = phase === "r1" ? `r1-${attempt}` : "r2";
  const trajectoryFile = `${name}.traj.json`;
  const patchFile = `${name}.patch`;
  const instanceId = path.basename(context.dir);
  const result = await callOwner.run({ instanceId, phase, rolloutAttempt: attempt }, () =>
    runRollout({
      model: context.teacher,
      environments: context.environments,
      sandbox: {
        source: context.source,
        root: context.sandboxRoot,
        isolation: context.isolation,
        limits: sandboxLimitsFromParams(context.params.sandboxLimits),
        instanceId,
        repoName: context.repoName,
      },
      problemStatement: problem,
      agent: context.params.agent,
      trajectoryFile: path.join(context.dir, trajectoryFile),
      trajectoryLabels: { instanceId, phase, attempt },
      signal: context.signal,
      overBudget: context.overBudget ? () => context.overBudget!() !== null : undefined,
    }),
  );
  if (result.exitStatus !== "error") writeFileSync(path.join(context.dir, patchFile), result.patch);
  const record: RolloutRecord = {
    phase,
    attempt,
    exitStatus: result.exitStatus,
    steps: result.steps,
    inputTokens: result.usage.inputTokens,
    cachedInputTokens: result.usage.cachedInputTokens,
    outputTokens: result.usage.outputTokens,
    wallSeconds: result.wallSeconds,
    promptIndex,
    selfCheck: null,
    failure: result.failure,
    modelError: result.modelErrorKind ? result.detail : null,
    modelErrorKind: result.modelErrorKind,
    trajectoryFile,
    patchFile,
  };
  const setupError = result.exitStatus === "error" ? { reason: result.failure!, detail: result.detail ?? "" } : null;
  return { record, setupError };
}

/** Ask the teacher a question without tools; retry on unreadable answers with a shrinking context. */
async function askTeacher<T>(
  context: InstanceContext,
  phase: string,
  attempt: number,
  prompt: (truncation: number) => string,
  parse: (text: string) => T | null,
): Promise<T | null> {
  for (let truncation = 0; truncation <= MAX_TRUNCATION_ATTEMPT; truncation++) {
    const reply = await callOwner.run({ instanceId: path.basename(context.dir), phase, rolloutAttempt: attempt }, () =>
      context.teacher.complete({ messages: [{ role: "user", content: prompt(truncation) }], temperature: 0.6, maxTokens: 4096, signal: context.signal }),
    );
    // The answer, not the thinking a teacher without a reasoning parser leaves before it.
    const parsed = parse(replyText(reply.message.content));
    if (parsed !== null) return parsed;
  }
  return null;
}

function readText(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

export async function advanceInstance(state: InstanceState, context: InstanceContext, onStep: (state: InstanceState) => void): Promise<InstanceState> {
  mkdirSync(context.dir, { recursive: true });
  const { task } = state;
  const location = { function: task.function.qualifiedName, file: task.function.file };
  const save = () => {
    // Through the contract's schema: state.json is what other packages read (readGenerationOutput).
    writeJsonAtomic(path.join(context.dir, "state.json"), generationInstanceStateSchema.parse(state));
    onStep(state);
  };
  const fail = (reason: FailureReason, detail: string) => {
    state.failure = { reason, detail, step: state.step };
    state.step = "failed";
  };
  // An outage leaves the step as it is: the rollout or question is asked again on resume.
  let paused = false;
  const pause = (detail: string) => {
    state.failure = { reason: "model_error", detail, step: state.step, transient: true };
    paused = true;
  };
  const modelStop = (record: RolloutRecord, where: string) => {
    if (record.modelErrorKind && isTransientKind(record.modelErrorKind as ModelCallError["kind"])) pause(`${where}: ${record.modelError}`);
    else fail(record.failure ?? "model_error", `${where}: ${record.modelError}`);
  };
  const latestR1 = () => state.rollouts.filter((r) => r.phase === "r1").at(-1)!;
  /** The rollout's messages; null (reported) when the trajectory file is missing or unreadable. */
  const messagesOf = (record: RolloutRecord): Message[] | null => {
    const file = path.join(context.dir, record.trajectoryFile);
    const saved = readJson<{ messages?: Message[] }>(file, {
      onCorrupt: context.onCorrupt ?? reportCorruptionToStderr,
      action: `re-ran rollout 1 attempt ${record.attempt}`,
    });
    return Array.isArray(saved?.messages) ? saved.messages : null;
  };
  // A paused instance resumes: its outage is history, not its state.
  if (state.failure?.transient) state.failure = null;

  while (!instanceSettled(state) && !paused) {
    context.signal?.throwIfAborted();
    const spentOut = context.overBudget?.() ?? null;
    if (spentOut !== null) {
      fail("cost_limit", spentOut);
      save();
      break;
    }
    try {
      if (state.step === "rollout1") {
        if (state.attempt > context.params.rollout1Attempts) {
          const last = latestR1();
          fail(last.failure ?? "judged_no", `no acceptable rollout-1 attempt out of ${context.params.rollout1Attempts}`);
        } else {
          const promptIndex = attemptPromptIndex(task, state.attempt - 1);
          const problem = renderBugPrompt(BUG_PROMPT_TEMPLATES[promptIndex], location);
          state.rollouts = state.rollouts.filter((r) => !(r.phase === "r1" && r.attempt === state.attempt));
          const { record, setupError } = await rollout(context, "r1", state.attempt, problem, promptIndex);
          if (setupError) fail(setupError.reason, setupError.detail);
          else {
            state.rollouts.push(record);
            if (record.modelError) modelStop(record, `rollout 1 attempt ${state.attempt}`);
            else if (record.failure) state.attempt++;
            else state.step = "self_check";
          }
        }
      } else if (state.step === "self_check") {
        const record = latestR1();
        const messages = messagesOf(record);
        if (messages === null) {
          state.step = "rollout1";
          continue;
        }
        const steps = trajectorySteps(messages);
        const taskText = messages.find((m) => m.role === "user")?.content ?? "";
        const verdict = await askTeacher(
          context,
          "self_check",
          state.attempt,
          (t) => renderSelfCheckPrompt({ task: taskText, steps: truncateSteps(steps, t) }),
          parseSelfCheck,
        );
        record.selfCheck = verdict;
        if (verdict === true) state.step = "pr";
        else {
          record.failure = verdict === false ? "judged_no" : "unparsed_reply";
          state.attempt++;
          state.step = "rollout1";
        }
      } else if (state.step === "pr") {
        const record = latestR1();
        const firstWithPatch = context.acceptedPatches?.claim(path.basename(context.dir), readText(path.join(context.dir, record.patchFile))) ?? null;
        if (firstWithPatch !== null) {
          fail("duplicate_patch", `rollout 1 made the same patch as instance ${firstWithPatch}; PR and rollout 2 skipped`);
          save();
          continue;
        }
        const messages = messagesOf(record);
        if (messages === null) {
          state.step = "rollout1";
          continue;
        }
        const steps = trajectorySteps(messages);
        const demonstration = context.demonstrations.get(task.demonstrationId) ?? [...context.demonstrations.values()][0];
        const text = await askTeacher(context, "pr", state.attempt, (t) => renderPrPrompt({ steps: truncateSteps(steps, t), demonstration }), parsePrText);
        if (text === null) fail("unparsed_reply", "the teacher's PR text had no <output> block after 4 tries");
        else {
          state.pr = { text, demonstrationId: demonstration.id };
          state.step = "rollout2";
        }
      } else if (state.step === "rollout2") {
        state.rollouts = state.rollouts.filter((r) => r.phase !== "r2");
        const { record, setupError } = await rollout(context, "r2", 1, state.pr!.text, null);
        if (setupError) fail(setupError.reason, setupError.detail);
        else {
          state.rollouts.push(record);
          if (record.modelError) modelStop(record, "rollout 2");
          else state.step = "verify";
        }
      } else if (state.step === "verify") {
        const { threshold, mode } = context.params.verification;
        const p1 = readText(path.join(context.dir, latestR1().patchFile));
        const p2 = readText(path.join(context.dir, "r2.patch"));
        state.verification = { ...patchRecall(p1, p2, { threshold, mode }), threshold, mode };
        state.step = "done";
      }
    } catch (error) {
      if (context.signal?.aborted) throw error;
      if (error instanceof ModelCallError && isTransientKind(error.kind)) pause(`${state.step}: ${error.message}`);
      else if (error instanceof ModelCallError) fail(error.kind === "context_overflow" ? "context_overflow" : "model_error", `${state.step}: ${error.message}`);
      else if (error instanceof EnvironmentSetupError) fail("environment_error", error.message.split("\n")[0]);
      else fail("sandbox_error", (error as Error).message.split("\n")[0]);
    }
    save();
  }
  return state;
}
