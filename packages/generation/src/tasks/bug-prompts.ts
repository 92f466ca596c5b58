/**
 * The vague problem statements rollout 1 starts from: one generic prompt and fifty themed ones.
 * Themes follow the SVG method's category list; every text is written for this project.
 * Slots: `{{function}}` (qualified name) and `{{file}}` (repository path). The
 * "Suspected location:" line is added by `renderBugPrompt`, not stored here.
 */

export interface BugPromptTemplate {
  id: string;
  theme: string;
  text: string;
}

export const GENERIC_BUG_PROMPT: BugPromptTemplate = {
  id: "generic",
  theme: "possible bug",
  text:
    "There may be a bug somewhere around `{{function}}` in `{{file}}`. " +
    "Calling it in some situations seems to give results that are not what its name, signature and surrounding code suggest it should give. " +
    "The problem might be wrong output, an unexpected exception, or a state change that should not happen. " +
    "The root cause could be inside `{{function}}` itself, or in a function it calls, or in one of its callers. " +
    "Please investigate, find what is actually wrong, and correct it.",
};

export const THEMED_BUG_PROMPTS: readonly BugPromptTemplate[] = [
  {
    id: "resource-cleanup",
    theme: "resource cleanup & lifecycle",
    text:
      "Resources do not seem to be acquired and released properly around `{{function}}` in `{{file}}`. " +
      "After calling this function, handles, connections or temporary objects can stay open, get released twice, or be torn down while something still needs them. " +
      "Typical signs: leaked file descriptors, locks still held after an error, cleanup that is skipped on an early return, and objects closed before the caller is finished with them. " +
      "The faulty code may be in `{{function}}`, in the helpers it relies on, or in the callers that manage what it hands back.",
  },
  {
    id: "data-validation",
    theme: "data validation & type safety",
    text:
      "Input checking around `{{function}}` in `{{file}}` looks unreliable. " +
      "When `{{function}}` is called with values of an unexpected type, shape or range, it may accept them silently, reject valid ones, or fail much later with a confusing error. " +
      "Watch for missing type checks, numbers that arrive as strings, containers where scalars were expected, and coercions that quietly lose information. " +
      "The weak spot might be in `{{function}}` itself, in the callers that prepare its arguments, or in the functions it passes the data on to.",
  },
  {
    id: "error-handling",
    theme: "error handling & exceptions",
    text:
      "Errors are not handled correctly somewhere near `{{function}}` in `{{file}}`. " +
      "Calling it under failure conditions can swallow exceptions, raise the wrong exception type, or lose the original cause and message. " +
      "Common failure modes here are overly broad catch blocks, error paths that return a misleading default, exceptions re-raised without context, and cleanup that never runs when something goes wrong. " +
      "Look at `{{function}}`, at what it calls, and at how its callers react to its failures.",
  },
  {
    id: "state-consistency",
    theme: "state management & consistency",
    text:
      "State appears to become inconsistent when `{{function}}` in `{{file}}` runs. " +
      "After a call, related fields, caches or flags can disagree with each other, or an object can be left half updated. " +
      "Things to look for: an update applied to one copy of the data but not the other, stale cached values, flags that are set but never reset, and shared mutable defaults. " +
      "The inconsistency may be introduced by `{{function}}`, by something it calls, or by a caller that relies on state it should not assume.",
  },
  {
    id: "configuration",
    theme: "configuration & initialization",
    text:
      "Something is off with how settings are read or applied around `{{function}}` in `{{file}}`. " +
      "Depending on which options are given, calling the function can ignore a setting, fall back to the wrong default, or act on a value that was never initialised. " +
      "Typical problems include options that are parsed but not used, defaults that override explicit values, precedence between sources applied in the wrong order, and objects used before setup has completed. " +
      "The mistake could live in `{{function}}`, in the configuration code it calls, or in the code that constructs and calls it.",
  },
  {
    id: "concurrency",
    theme: "concurrency & thread safety",
    text:
      "`{{function}}` in `{{file}}` may not be safe when used from several threads or tasks at once. " +
      "When it is called from several threads at the same time, it can return partially updated data, lose updates, or occasionally deadlock. " +
      "Look for check-then-act sequences without a lock, shared state modified outside its guard, locks taken in inconsistent order, and lazily initialised globals. " +
      "The race might originate in `{{function}}` or in the functions it calls, and callers that share objects between threads may contribute to it.",
  },
  {
    id: "api-contract",
    theme: "API contracts & interface compatibility",
    text:
      "`{{function}}` in `{{file}}` does not seem to honour the contract its callers expect. " +
      "Calling it can return a different type or shape than documented, accept arguments it should refuse, or change the meaning of a parameter. " +
      "Watch for mismatched return types, keyword arguments handled differently from positional ones, documented options that are ignored, and subclasses or implementations that break the interface. " +
      "The mismatch may be inside `{{function}}`, in the code it delegates to, or in callers that were written against a different version of the interface.",
  },
  {
    id: "performance",
    theme: "performance & efficiency",
    text:
      "Calling `{{function}}` in `{{file}}` appears to do far more work than it should. " +
      "With larger inputs it becomes noticeably slow or uses a lot of memory, even though the result does not need that effort. " +
      "Likely culprits are repeated recomputation inside loops, accidental quadratic behaviour, copies of large structures on every call, and caches that never hit. " +
      "The waste could be in `{{function}}` itself, in a helper it calls many times, or in a caller that invokes it more often than needed, and any fix must keep the results identical.",
  },
  {
    id: "module-coupling",
    theme: "dependency management & module coupling",
    text:
      "The way `{{function}}` in `{{file}}` depends on other modules looks fragile. " +
      "Calling it can fail because of import-order effects, a circular dependency, or reliance on a module-level object that another component replaced. " +
      "Typical symptoms are import errors that only appear in some entry points, monkeypatched globals leaking between uses, and optional dependencies treated as required. " +
      "The cause may be in `{{function}}`, in the modules it reaches into, or in the code that loads and calls it.",
  },
  {
    id: "control-flow",
    theme: "control flow & logic correctness",
    text:
      "The branching logic in or around `{{function}}` in `{{file}}` looks wrong. " +
      "When it is called with some inputs, the function takes the wrong branch, exits a loop too early or too late, or skips a step it should perform. " +
      "Look for inverted conditions, `and`/`or` mix-ups, misplaced `return`, `break` or `continue` statements, and missing `else` cases. " +
      "The faulty decision might be made in `{{function}}` itself, in a predicate it calls, or in the caller that chooses how to invoke it.",
  },
  {
    id: "data-transformation",
    theme: "data transformation & processing",
    text:
      "Data passing through `{{function}}` in `{{file}}` does not come out as expected. " +
      "Calling it can drop records, reorder or duplicate them, or change values in a way the transformation should not. " +
      "Common causes are mapping keys to the wrong fields, lossy conversions between formats, mutation of the input instead of a copy, and aggregation that double counts. " +
      "The bad step may be in `{{function}}`, in the helpers it calls for parts of the conversion, or in the callers that feed it or consume its output.",
  },
  {
    id: "async-callbacks",
    theme: "async operations & callbacks",
    text:
      "Asynchronous behaviour around `{{function}}` in `{{file}}` seems unreliable. " +
      "When it is called, callbacks can fire twice or not at all, results can arrive out of order, or an awaited operation can be left pending. " +
      "Things to check: missing awaits, callbacks registered after the event they wait for, errors raised inside callbacks that nobody sees, and cancellation that leaves work half done. " +
      "The issue may sit in `{{function}}`, in the asynchronous helpers it uses, or in the callers that schedule it.",
  },
  {
    id: "boundary-conditions",
    theme: "boundary conditions & edge cases",
    text:
      "`{{function}}` in `{{file}}` seems to misbehave at the edges of its input range. " +
      "Calling it with empty input, a single element, zero, negative numbers or the largest allowed value gives wrong results or an exception. " +
      "Watch for off-by-one indices, inclusive versus exclusive bounds, division by zero, and loops that never execute for small inputs. " +
      "The edge case might be mishandled in `{{function}}` itself, in something it calls, or by a caller that passes the boundary value along without care.",
  },
  {
    id: "documentation-drift",
    theme: "maintainability & documentation",
    text:
      "The documentation and the behaviour of `{{function}}` in `{{file}}` no longer agree. " +
      "Someone calling it as its docstring or comments describe gets a different outcome, which suggests either the code or the description drifted. " +
      "Look for parameters that are documented but unused, defaults that differ from the docs, comments describing an old algorithm, and return values described incorrectly. " +
      "Work out which side is wrong; the discrepancy may involve `{{function}}` itself, the functions it calls, or the callers that rely on the documented behaviour.",
  },
  {
    id: "input-sanitization",
    theme: "security & input sanitization",
    text:
      "`{{function}}` in `{{file}}` may not treat untrusted input carefully enough. " +
      "When it is called with crafted values, such as paths containing `..`, strings with special characters, or oversized payloads, it can behave in unsafe or unexpected ways. " +
      "Typical problems are missing escaping, path traversal, injection into commands or queries, and trusting sizes or types declared by the input itself. " +
      "The weakness might be in `{{function}}`, in the helpers it calls to build the final command or path, or in callers that pass raw input straight through.",
  },
  {
    id: "modularity",
    theme: "modularity & reusability",
    text:
      "`{{function}}` in `{{file}}` seems to work only in the one setting it was first written for. " +
      "Calling it from another place, with different but legitimate arguments, leads to wrong results because it silently assumes details of its original caller. " +
      "Look for hard-coded names or paths, hidden dependencies on global state, and logic that belongs to a specific caller mixed into a general-purpose routine. " +
      "The problem may be in `{{function}}`, in the pieces it calls, or in the way current callers compensate for its assumptions.",
  },
  {
    id: "observability",
    theme: "testing & observability",
    text:
      "It is hard to tell what `{{function}}` in `{{file}}` actually did, and what it reports seems wrong. " +
      "After a call, log messages, warnings, return codes or diagnostic fields can be missing, misleading, or describe a different event from the one that happened. " +
      "Watch for warnings raised with the wrong category, log lines that format the wrong variable, status values that are never updated, and errors reported as successes. " +
      "The faulty reporting could be in `{{function}}`, in the utilities it calls, or in callers that interpret its signals.",
  },
  {
    id: "platform-compatibility",
    theme: "compatibility & platform behaviour",
    text:
      "`{{function}}` in `{{file}}` behaves differently depending on the platform, interpreter version or locale. " +
      "Calling it on one system works while on another it produces different output or fails. " +
      "Typical causes are hard-coded path separators, assumptions about line endings or text encoding, reliance on dictionary or file-system ordering, and version-specific library behaviour. " +
      "The platform-dependent code might be in `{{function}}`, in a helper it calls, or in the caller that prepares its inputs.",
  },
  {
    id: "business-logic",
    theme: "correctness & business logic",
    text:
      "The rules that `{{function}}` in `{{file}}` is supposed to implement do not seem to be applied correctly. " +
      "For certain combinations of inputs, calling it yields an outcome that contradicts the project's documented behaviour or its own other functions. " +
      "Look for special cases handled in the wrong order, rules applied to the wrong subset of data, rounding or unit mistakes, and conditions that check the wrong attribute. " +
      "The incorrect rule may be encoded in `{{function}}`, in the functions it consults, or in callers that pass it the wrong context.",
  },
  {
    id: "failure-recovery",
    theme: "robustness & failure recovery",
    text:
      "`{{function}}` in `{{file}}` does not seem to recover well when something goes wrong part way through. " +
      "If a step fails during a call, later calls can keep failing, retries can repeat work that already succeeded, or partial results can be kept as if they were complete. " +
      "Watch for retry loops without limits, state that is not rolled back after an exception, and fallback paths that are never exercised. " +
      "The fragile behaviour may be in `{{function}}`, in the operations it calls, or in callers that assume it either fully succeeds or fully fails.",
  },
  {
    id: "extensibility",
    theme: "scalability & extensibility",
    text:
      "`{{function}}` in `{{file}}` seems to break when it is extended or used at a larger scale than before. " +
      "Calling it with new subclasses, registered plugins, more items or additional options leads to errors or results that ignore the extension. " +
      "Look for type checks against concrete classes instead of interfaces, registries consulted only once, fixed-size limits, and dispatch tables missing new entries. " +
      "The obstacle may be in `{{function}}`, in the machinery it uses to look things up, or in callers that bypass the extension points.",
  },
  {
    id: "conventions",
    theme: "consistency & conventions",
    text:
      "`{{function}}` in `{{file}}` does not follow the conventions used by the rest of this code base. " +
      "Calling it alongside its sibling functions gives inconsistent results, for example a different argument order, unit, naming style or handling of `None`. " +
      "Typical symptoms are one function returning a list while its peers return tuples, inconsistent keyword names, and differing treatment of defaults. " +
      "Find where `{{function}}`, the helpers it calls, or the callers that combine it with similar functions diverge from the established convention, and make them consistent.",
  },
  {
    id: "complexity",
    theme: "clarity & complexity",
    text:
      "The logic of `{{function}}` in `{{file}}` is convoluted enough that it hides a mistake. " +
      "Calling it with less common inputs reaches a tangle of nested conditions where one path does the wrong thing. " +
      "Look for duplicated conditions with slightly different checks, variables reused for different purposes, flags that interact in unexpected ways, and dead branches. " +
      "The confusing part may be in `{{function}}`, in the helpers it calls, or in the way callers combine its options.",
  },
  {
    id: "integration",
    theme: "integration & component interaction",
    text:
      "The interaction between `{{function}}` in `{{file}}` and the components it talks to seems broken. " +
      "Each part looks plausible on its own, but calling the function causes data to be passed in the wrong format, at the wrong time, or to the wrong collaborator. " +
      "Typical causes are mismatched assumptions about units or encodings, a hook called with stale arguments, and two components both doing, or both skipping, the same step. " +
      "The fault may be on either side of the boundary: in `{{function}}`, in what it calls, or in what calls it.",
  },
  {
    id: "missing-functionality",
    theme: "completeness & missing functionality",
    text:
      "`{{function}}` in `{{file}}` appears to handle only some of the cases it is meant to support. " +
      "When it is called with a supported but less common option, type or mode, it does nothing, raises a not-implemented style error, or falls back to generic behaviour. " +
      "Look for branches that cover only the common enum values, options that are accepted but ignored, and TODO comments marking unfinished paths. " +
      "The gap may be in `{{function}}`, in the helpers it dispatches to, or in callers that never pass the missing case through.",
  },
  {
    id: "determinism",
    theme: "reliability & determinism",
    text:
      "`{{function}}` in `{{file}}` does not behave the same way every time. " +
      "Calling it repeatedly with the same input can produce different results, orderings or errors, which makes the behaviour hard to rely on. " +
      "Likely causes are iteration over unordered collections, dependence on the current time or random state, hash-based ordering, and leftover state from a previous call. " +
      "The nondeterminism might come from `{{function}}`, from the functions it uses, or from callers that share state between calls.",
  },
  {
    id: "preconditions",
    theme: "assumptions & preconditions",
    text:
      "`{{function}}` in `{{file}}` seems to rely on assumptions about its inputs or environment that do not always hold. " +
      "When it is called in a situation its author did not anticipate, it fails with an unhelpful error or quietly computes garbage. " +
      "Typical unchecked assumptions include sorted input, non-empty collections, an already-initialised object, a file that exists, and unique keys. " +
      "The unwarranted assumption may be made in `{{function}}`, in the helpers it calls, or by callers that skip the checks it expects.",
  },
  {
    id: "side-effects",
    theme: "side effects & purity",
    text:
      "Calling `{{function}}` in `{{file}}` seems to have side effects that callers do not expect. " +
      "After it runs, its arguments, shared defaults or module-level data may have been changed, so later code sees modified values. " +
      "Watch for in-place mutation of inputs, mutable default arguments, global registries altered as a by-product, and caches that store references instead of copies. " +
      "The unwanted effect may originate in `{{function}}`, in what it calls, or in callers that pass in objects they still use afterwards.",
  },
  {
    id: "interface-design",
    theme: "abstraction & interface design",
    text:
      "The abstraction around `{{function}}` in `{{file}}` leaks in a way that causes wrong behaviour. " +
      "Callers must know internal details to use it correctly, and when they do not, calling it produces subtly wrong results. " +
      "Look for return values that expose internal mutable structures, parameters whose meaning depends on other parameters, and base-class methods that subclasses must override in undocumented ways. " +
      "The leak may be in `{{function}}`, in the functions it calls or the objects it returns, or in callers that have started depending on its internals.",
  },
  {
    id: "duplication",
    theme: "duplication & redundancy",
    text:
      "Logic related to `{{function}}` in `{{file}}` seems to be duplicated, and the copies have drifted apart. " +
      "Calling it gives a different answer from another function that is supposed to perform the same computation. " +
      "Typical signs are a fix applied to one copy only, near-identical branches with one small difference, and values computed twice in ways that disagree. " +
      "Identify which copy is wrong; it may be `{{function}}` itself, a helper it calls, or a caller that recomputes the same thing by itself.",
  },
  {
    id: "initialization-order",
    theme: "ordering & initialization sequence",
    text:
      "The order in which things happen around `{{function}}` in `{{file}}` looks wrong. " +
      "Calling it at certain points, or calling steps in the sequence it imposes, uses values before they are ready or overwrites values that were just set. " +
      "Look for attributes read before they are assigned, registration happening after first use, hooks run in the wrong order, and parent initialisation called too late. " +
      "The ordering mistake may be in `{{function}}`, in the functions it calls, or in the callers that drive the sequence.",
  },
  {
    id: "algorithm",
    theme: "correctness & algorithms",
    text:
      "The algorithm behind `{{function}}` in `{{file}}` may be implemented incorrectly. " +
      "For some inputs, calling it gives results that a direct computation by hand shows to be wrong, even though simple examples look right. " +
      "Watch for wrong recurrence or update steps, incorrect termination conditions, precision loss in numeric code, and comparisons that break ordering rules. " +
      "The error may be in `{{function}}` itself, in a building block it calls, or in the caller that sets up its inputs.",
  },
  {
    id: "output-correctness",
    theme: "behaviour & output correctness",
    text:
      "The output of `{{function}}` in `{{file}}` is not quite right. " +
      "Calling it produces text, values or objects that differ from what users would expect, for example wrong formatting, missing fields, or extra elements. " +
      "Typical causes include formatting templates with wrong placeholders, results assembled from the wrong variables, and post-processing steps that are skipped. " +
      "The incorrect output may be produced in `{{function}}`, in the functions it calls to build parts of it, or in callers that alter it afterwards.",
  },
  {
    id: "coupling",
    theme: "coupling & dependency relationships",
    text:
      "`{{function}}` in `{{file}}` appears to be too tightly tied to other parts of the code, and a change elsewhere broke it. " +
      "Calling it now fails or returns stale results because it depends on private attributes, exact call sequences or internal formats of another component. " +
      "Look for reads of private fields of other objects, string matching on class names, and assumptions about how a collaborator stores its data. " +
      "The brittle dependency could be in `{{function}}`, in what it calls, or in callers that expose internals to it.",
  },
  {
    id: "naming-semantics",
    theme: "naming & semantic clarity",
    text:
      "The names around `{{function}}` in `{{file}}` suggest one behaviour while the code does another. " +
      "Someone calling it because of what its name or parameter names promise gets a different result, for example an inclusive limit treated as exclusive, or a flag with inverted meaning. " +
      "Watch for booleans whose names contradict their use, variables holding something other than what their names say, and functions that do more than their name implies. " +
      "Decide which behaviour is intended, then fix `{{function}}`, the helpers it calls, or the callers that were misled.",
  },
  {
    id: "readability",
    theme: "readability & maintainability",
    text:
      "The code in and around `{{function}}` in `{{file}}` is hard to follow, and that has let a defect slip in. " +
      "Calling it in a less common way exposes behaviour that is clearly unintended once the logic is read carefully. " +
      "Look for magic numbers, long expressions with misplaced parentheses, shadowed variables, and early returns that skip later steps. " +
      "The defect may be hidden in `{{function}}`, in the helpers it uses, or in callers that depend on its confusing behaviour.",
  },
  {
    id: "testability",
    theme: "testability",
    text:
      "`{{function}}` in `{{file}}` is hard to exercise in isolation, and its behaviour changes depending on hidden inputs. " +
      "Calling it outside its usual environment, for example without a global object, a specific working directory or environment variables, gives different results or errors. " +
      "Typical causes are hidden reads of global state, calls to the system clock or environment, and dependencies created internally that cannot be substituted. " +
      "The hidden coupling may live in `{{function}}`, in what it calls, or in callers that set up the implicit context.",
  },
  {
    id: "backwards-compatibility",
    theme: "backwards compatibility & version migration",
    text:
      "`{{function}}` in `{{file}}` seems to have broken behaviour that existing users rely on. " +
      "Calling it with arguments or data formats that worked in an earlier version now gives a different result or an error. " +
      "Watch for renamed or removed parameters without a deprecation path, changed defaults, data saved by older versions that no longer loads, and deprecation warnings that fire incorrectly. " +
      "The break may be in `{{function}}`, in the conversion code it calls, or in callers that pass legacy values through.",
  },
  {
    id: "invariants",
    theme: "invariants & postconditions",
    text:
      "`{{function}}` in `{{file}}` does not always leave things in the state it promises. " +
      "After calling it, an invariant that should always hold, such as a sorted order, matching lengths, a non-negative count or consistent indexes, can be violated. " +
      "Look for update paths that fix one part of the invariant but not another, early exits that skip a final normalisation step, and results that are not validated before returning. " +
      "The violation may be caused in `{{function}}`, in the helpers it calls, or by callers that modify the result afterwards.",
  },
  {
    id: "ownership",
    theme: "ownership & responsibility",
    text:
      "It is unclear which piece of code is responsible for a task handled around `{{function}}` in `{{file}}`, and as a result the work is done twice or not at all. " +
      "Calling the function can lead to a value being converted twice, a resource being closed by two owners, or a required step being skipped because each side expects the other to do it. " +
      "Watch for duplicate escaping or encoding, double registration, and cleanup that nobody performs. " +
      "Settle where the responsibility belongs: in `{{function}}`, in a function it calls, or in its callers.",
  },
  {
    id: "parameterization",
    theme: "flexibility & parameterization",
    text:
      "`{{function}}` in `{{file}}` does not respect the parameters it is given. " +
      "Calling it with a non-default option still produces the default behaviour, or an option is applied in one code path but not another. " +
      "Typical causes are hard-coded values shadowing parameters, keyword arguments that are not forwarded to helpers, and options read from the wrong object. " +
      "The lost parameter may be dropped in `{{function}}`, in the helpers it delegates to, or by callers that fail to pass it on.",
  },
  {
    id: "atomicity",
    theme: "transactions & atomicity",
    text:
      "Operations performed by `{{function}}` in `{{file}}` are not applied atomically. " +
      "If a call fails or is interrupted halfway, some changes remain while others are missing, leaving data in a mixed state. " +
      "Look for multi-step updates without rollback, files written in place instead of replaced as a whole, and batches committed piece by piece. " +
      "The non-atomic behaviour may be in `{{function}}`, in the storage or update helpers it calls, or in callers that split one logical change across several calls.",
  },
  {
    id: "resource-utilization",
    theme: "efficiency & resource utilization",
    text:
      "`{{function}}` in `{{file}}` seems to use more resources than its task requires. " +
      "Calling it repeatedly can keep growing memory use, open more handles than needed, or hold onto large intermediate data after it is no longer useful. " +
      "Watch for unbounded caches, lists built only to be iterated once, buffers that are never released, and work repeated on every call that could be done once. " +
      "The waste may come from `{{function}}`, from what it calls, or from how callers use it, and fixes must not change results.",
  },
  {
    id: "environment-awareness",
    theme: "context & environment awareness",
    text:
      "`{{function}}` in `{{file}}` does not take its context into account correctly. " +
      "Calling it under different settings, such as another working directory, a different active configuration, a nested context manager or an alternate locale, gives results meant for a different context. " +
      "Typical causes are context captured too early, global defaults used instead of the active context, and context changes that are not restored afterwards. " +
      "The context handling may be wrong in `{{function}}`, in the helpers it calls, or in callers that establish the context.",
  },
  {
    id: "composability",
    theme: "composability",
    text:
      "`{{function}}` in `{{file}}` does not combine well with other operations. " +
      "Used on its own it seems fine, but calling it on the output of related functions, or feeding its result into them, produces wrong results or errors. " +
      "Look for outputs in a slightly different form than the inputs it accepts, lost metadata when results are chained, and operations that are not closed over their own types. " +
      "The mismatch may be in `{{function}}`, in the functions it composes with, or in callers that chain them.",
  },
  {
    id: "temporal-behaviour",
    theme: "lifecycle & temporal behaviour",
    text:
      "The behaviour of `{{function}}` in `{{file}}` depends on when it is called in an object's life, and some phases are handled wrongly. " +
      "Calling it before setup is complete, after an object was closed or reset, or a second time can produce wrong results instead of a clear error or a correct no-op. " +
      "Watch for missing state checks, timers or expirations computed from the wrong moment, and objects reused after they were finalised. " +
      "The lifecycle mistake may be in `{{function}}`, in the code it calls, or in callers that invoke it at the wrong time.",
  },
  {
    id: "idempotency",
    theme: "idempotency",
    text:
      "Calling `{{function}}` in `{{file}}` more than once does not give the same result as calling it once, although it should. " +
      "A repeated call can apply a change twice, append duplicate entries, or fail because the first call already did the work. " +
      "Look for unconditional appends, counters incremented on every call, registration without a check for existing entries, and transformations applied to already transformed data. " +
      "The repeated effect may come from `{{function}}`, from helpers it calls, or from callers that retry it.",
  },
  {
    id: "null-safety",
    theme: "null safety & optionals",
    text:
      "Missing values are not handled correctly around `{{function}}` in `{{file}}`. " +
      "Calling it with `None`, an absent key, an empty optional attribute, or a result that a lookup failed to find leads to an attribute error or to `None` being treated as a real value. " +
      "Watch for missing checks before attribute access, falsy values such as `0` or an empty string confused with missing ones, and optional results returned without documentation. " +
      "The unsafe access may be in `{{function}}`, in the helpers it calls, or in callers that pass or receive optional values.",
  },
  {
    id: "object-lifecycle",
    theme: "memory management & object lifecycle",
    text:
      "Objects created or referenced by `{{function}}` in `{{file}}` do not seem to live for the right amount of time. " +
      "After calling it, objects can be kept alive by lingering references, or references can point to objects that were already replaced or invalidated. " +
      "Typical causes are caches keyed by objects that never expire, reference cycles through callbacks, and views into buffers that were reallocated. " +
      "The lifetime problem may be in `{{function}}`, in what it calls, or in callers that hold on to its results.",
  },
  {
    id: "io-data-flow",
    theme: "I/O handling & data flow",
    text:
      "Reading or writing data through `{{function}}` in `{{file}}` does not work as expected. " +
      "When it is called, content can be truncated, decoded with the wrong encoding, written to the wrong destination, or read from a stream that was already consumed. " +
      "Watch for missing flushes, mixed text and binary modes, partial reads treated as complete, and newline translation issues. " +
      "The I/O mistake may be in `{{function}}`, in the lower-level helpers it calls, or in callers that provide or consume the streams.",
  },
];

/** Generic prompt first, then the fifty themed ones; sampled indices refer to this order. */
export const BUG_PROMPT_TEMPLATES: readonly BugPromptTemplate[] = [GENERIC_BUG_PROMPT, ...THEMED_BUG_PROMPTS];
