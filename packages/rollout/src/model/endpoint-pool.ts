import { ModelCallError } from "./call-error.js";
import type { ChatRequest, ChatResponse, NamedChatModel } from "./types.js";

export interface EndpointPoolOptions {
  /** Calls one endpoint serves at once; further callers queue. */
  maxConcurrentPerEndpoint: number;
  /** Retryable failures in a row that bench an endpoint. */
  benchAfterConsecutiveFailures?: number;
  benchMs?: number;
  /** Re-dispatches of one call after retryable failures (each may go to another endpoint). */
  maxRetries?: number;
  name?: string;
}

export interface EndpointLoad {
  name: string;
  inFlight: number;
  maxInFlight: number;
  calls: number;
  failures: number;
  timesBenched: number;
  /** Epoch ms until which the endpoint gets no calls; 0 when it is available. */
  benchedUntil: number;
}

export interface EndpointPool extends NamedChatModel {
  stats(): { endpoints: EndpointLoad[]; queued: number };
}

interface EndpointState extends EndpointLoad {
  model: NamedChatModel;
  consecutiveFailures: number;
}

interface Waiter {
  avoid: ReadonlySet<string>;
  grant: (state: EndpointState) => void;
}

/**
 * Several endpoints serving one teacher, seen as one ChatModel. Each call goes to the
 * endpoint with the fewest calls in flight (ties in turn). An endpoint that keeps failing is
 * benched; while every endpoint is benched, callers wait for the first to return instead of
 * failing. Errors that are the request's fault (bad request, context overflow) pass straight
 * through and do not count against the endpoint.
 */
export function endpointPool(endpoints: readonly NamedChatModel[], options: EndpointPoolOptions): EndpointPool {
  if (endpoints.length === 0) throw new Error("endpointPool needs at least one endpoint");
  if (options.maxConcurrentPerEndpoint < 1) throw new Error("maxConcurrentPerEndpoint must be at least 1");
  const benchAfter = options.benchAfterConsecutiveFailures ?? 3;
  const benchMs = options.benchMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 3;
  const limit = options.maxConcurrentPerEndpoint;

  const states: EndpointState[] = endpoints.map((model) => ({
    model,
    name: model.name,
    inFlight: 0,
    maxInFlight: 0,
    calls: 0,
    failures: 0,
    timesBenched: 0,
    benchedUntil: 0,
    consecutiveFailures: 0,
  }));
  const waiters: Waiter[] = [];
  let nextTurn = 0;
  let benchTimer: NodeJS.Timeout | undefined;

  function pick(avoid: ReadonlySet<string>): EndpointState | undefined {
    const now = Date.now();
    const open = states.filter((state) => state.benchedUntil <= now && state.inFlight < limit);
    const fresh = open.filter((state) => !avoid.has(state.name));
    const candidates = fresh.length > 0 ? fresh : open;
    if (candidates.length === 0) return undefined;
    const least = Math.min(...candidates.map((state) => state.inFlight));
    // Walk from the round-robin cursor so equally loaded endpoints take turns.
    for (let step = 0; step < states.length; step++) {
      const index = (nextTurn + step) % states.length;
      const state = states[index];
      if (candidates.includes(state) && state.inFlight === least) {
        nextTurn = (index + 1) % states.length;
        return state;
      }
    }
    return undefined;
  }

  function take(state: EndpointState): EndpointState {
    state.inFlight++;
    state.calls++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    return state;
  }

  function pump(): void {
    while (waiters.length > 0) {
      const state = pick(waiters[0].avoid);
      if (!state) break;
      waiters.shift()!.grant(take(state));
    }
    scheduleBenchWake();
  }

  function scheduleBenchWake(): void {
    if (benchTimer !== undefined || waiters.length === 0) return;
    const now = Date.now();
    const returns = states.filter((state) => state.benchedUntil > now).map((state) => state.benchedUntil);
    if (returns.length === 0) return;
    benchTimer = setTimeout(
      () => {
        benchTimer = undefined;
        pump();
      },
      Math.min(...returns) - now + 1,
    );
  }

  function acquire(avoid: ReadonlySet<string>, signal: AbortSignal | undefined): Promise<EndpointState> {
    signal?.throwIfAborted();
    if (waiters.length === 0) {
      const state = pick(avoid);
      if (state) return Promise.resolve(take(state));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        avoid,
        grant: (state) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(state);
        },
      };
      const onAbort = () => {
        const index = waiters.indexOf(waiter);
        if (index >= 0) waiters.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      waiters.push(waiter);
      scheduleBenchWake();
    });
  }

  async function complete(req: ChatRequest): Promise<ChatResponse> {
    const tried = new Set<string>();
    let lastError: ModelCallError | undefined;
    for (let dispatch = 0; dispatch <= maxRetries; dispatch++) {
      const state = await acquire(tried, req.signal);
      try {
        const response = await state.model.complete(req);
        state.consecutiveFailures = 0;
        return response;
      } catch (error) {
        if (!(error instanceof ModelCallError) || !error.retryable) throw error;
        lastError = error;
        tried.add(state.name);
        state.failures++;
        // Calls already in flight when the endpoint was benched must not bench it again.
        if (state.benchedUntil <= Date.now()) state.consecutiveFailures++;
        if (state.consecutiveFailures >= benchAfter) {
          state.benchedUntil = Date.now() + benchMs;
          state.consecutiveFailures = 0;
          state.timesBenched++;
        }
      } finally {
        state.inFlight--;
        pump();
      }
    }
    throw lastError!;
  }

  return {
    name: options.name ?? `pool(${states.map((state) => state.name).join(", ")})`,
    complete,
    stats: () => ({
      endpoints: states.map(({ model: _model, consecutiveFailures: _failures, ...load }) => ({
        ...load,
        benchedUntil: load.benchedUntil > Date.now() ? load.benchedUntil : 0,
      })),
      queued: waiters.length,
    }),
  };
}
