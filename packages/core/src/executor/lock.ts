import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";

/**
 * One coordinator per experiment directory: two `sera run`s on the same experiment would submit
 * the same runs twice. The lock holds the owner's pid; a lock whose owner is dead is taken over,
 * which is what makes "kill -9, then run again" work.
 *
 * The lock file only ever appears complete: the owner's record is written to a private temporary
 * file first and then hard-linked to the lock name, which fails if the lock exists. (Creating the
 * lock and then writing it left a moment in which another `sera run` read an empty lock, took it
 * for a stale one and removed it, so both ran.) A stale lock is removed only under a second,
 * short-lived takeover lock, after looking at it again.
 */

export class ExperimentBusyError extends Error {
  constructor(dir: string, pid: number) {
    super(`${dir}: another sera run (pid ${pid}) is coordinating this experiment; wait for it or stop it`);
    this.name = "ExperimentBusyError";
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid recorded in a lock file; 0 when it is unreadable or not a lock record; null when it is gone. */
function lockOwner(file: string): number | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    return Number(JSON.parse(text).pid) || 0;
  } catch {
    return 0;
  }
}

const uniqueSuffix = () => `${process.pid}.${randomBytes(6).toString("hex")}`;

/** Links a complete record to `file`; false when a lock is already there. */
function linkComplete(file: string): boolean {
  const draft = `${file}.draft-${uniqueSuffix()}`;
  writeFileSync(draft, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }), { flag: "wx" });
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return false;
  } finally {
    rmSync(draft, { force: true });
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `work` while holding the takeover lock, a second lock file that only stale-lock removal takes.
 * Removing a stale lock is safe only if nobody replaced it between our look and our removal; inside
 * the takeover lock the name cannot change hands, because a present lock blocks every link and only
 * takeover-holders remove a stale one.
 */
function withTakeoverLock(file: string, work: () => void): void {
  const takeover = `${file}.takeover`;
  const started = Date.now();
  for (;;) {
    if (linkComplete(takeover)) break;
    const holder = lockOwner(takeover);
    if (holder === null) continue;
    if (holder && holder !== process.pid && pidAlive(holder)) {
      if (Date.now() - started > 10_000) throw new Error(`${takeover}: held by pid ${holder} for over 10 s`);
      sleepSync(5);
      continue;
    }
    // Its holder died inside the few microseconds it holds this file.
    rmSync(takeover, { force: true });
  }
  try {
    work();
  } finally {
    if (lockOwner(takeover) === process.pid) rmSync(takeover, { force: true });
  }
}

const isStale = (owner: number) => owner !== process.pid && !(owner && pidAlive(owner));

export function acquireCoordinatorLock(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "coordinator.lock");
  const release = () => {
    // Only our own lock is removed: after a takeover the file may belong to someone else.
    if (lockOwner(file) === process.pid) rmSync(file, { force: true });
  };
  for (let tries = 0; tries < 20; tries++) {
    if (linkComplete(file)) return release;
    const owner = lockOwner(file);
    if (owner === null) continue; // released between our link and our read
    if (owner === process.pid) return release;
    if (!isStale(owner)) throw new ExperimentBusyError(dir, owner);
    // Stale (dead owner, or a torn record from an older sera): look again under the takeover lock, then remove it.
    withTakeoverLock(file, () => {
      const current = lockOwner(file);
      if (current !== null && isStale(current)) rmSync(file, { force: true });
    });
  }
  throw new Error(`${file}: could not take the coordinator lock`);
}
