import { describe, expect, it } from "vitest";
import { environmentIdentity, environmentSchema, excludePattern, imageName, parseStatus } from "@sera/rollout";
import { generationIdentity, generationParamsSchema } from "../src/pipeline/params.js";

/** The `environment:` params: one schema for both stages, run ids, image names, and how setup's changes are recorded. */

const base = { repo: "/r", teacher: { model: "m", endpoints: ["http://x/v1"] } };

describe("environment params", () => {
  it("default to host and leave run ids planned before environments existed unchanged", () => {
    const plain = generationParamsSchema.parse(base);
    expect(plain.environment).toEqual({ kind: "host", env: {}, path: [] });
    expect(generationIdentity(plain)).not.toHaveProperty("environment");
    const prepared = generationParamsSchema.parse({ ...base, environment: { kind: "prepared", setup: ["npm ci"] } });
    expect(generationIdentity(prepared)).toHaveProperty("environment", {
      kind: "prepared",
      setup: ["npm ci"],
      setupTimeoutSeconds: 1800,
      outputs: "mount",
      env: {},
      path: [],
    });
    expect(environmentIdentity(environmentSchema.parse({ kind: "host", path: ["/opt/bin"] }))).toBeDefined();
  });

  it("refuse what cannot work, naming the field", () => {
    const problem = (environment: unknown) => environmentSchema.safeParse(environment).error?.issues[0];
    expect(problem({ kind: "container" })?.message).toMatch(/exactly one of image and build/);
    expect(problem({ kind: "container", image: "a", build: "b" })?.message).toMatch(/exactly one of image and build/);
    expect(problem({ kind: "prepared", setup: [] })?.path).toEqual(["setup"]);
    expect(problem({ kind: "host", path: ["relative/bin"] })?.path).toEqual(["path", 0]);
    expect(problem({ kind: "host", env: { "BAD-NAME": "x" } })?.path).toEqual(["env", "BAD-NAME"]);
    expect(problem({ kind: "host", network: true })?.code).toBe("unrecognized_keys");
  });

  it("fill image name templates as SWE-bench and SWE-smith name their images", () => {
    expect(imageName("swebench/sweb.eval.x86_64.{instance_id}", { instanceId: "django__django-11099", commit: "abc" })).toBe(
      "swebench/sweb.eval.x86_64.django_1776_django-11099",
    );
    expect(imageName("localhost/{repo}:{commit}", { repo: "shipping", commit: "0123abc" })).toBe("localhost/shipping:0123abc");
  });
});

describe("recording what setup changed", () => {
  it("reads git status -z, renames included", () => {
    const status = ["?? .venv/", " M package-lock.json", "R  new.txt", "old.txt", "?? odd name\n.txt", "!! ignored/", ""].join("\0");
    expect(parseStatus(status)).toEqual({ untracked: [".venv/", "odd name\n.txt"], changed: ["package-lock.json", "new.txt"] });
  });

  it("anchors exclude patterns and escapes what gitignore would read as a pattern", () => {
    expect(excludePattern(".venv/")).toBe("/.venv/");
    expect(excludePattern("#notes[1]*?.txt")).toBe("/#notes\\[1\\]\\*\\?.txt");
    expect(excludePattern("trailing ")).toBe("/trailing\\ ");
  });
});
