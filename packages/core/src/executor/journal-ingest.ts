import { canonicalJson, sha256Hex } from "../config/canonical.js";
import type { LoadedExperiment } from "../config/experiment.js";
import { ingestRuns, upsertExperiment, type RunOnDisk } from "../store/ingest.js";
import { StoreBusyError, withStore } from "../store/open.js";
import { SERA_VERSION } from "../version.js";
import type { CorruptionSink } from "./journal.js";

/**
 * The coordinator's writes to the store: the runs whose journal changed since the last ingest
 * (plus the active ones, whose logs and metrics grow) are projected into DuckDB in short
 * transactions, so readers can open the file in between. A periodic ingest runs beside the loop;
 * the last one checkpoints.
 */

export interface JournalIngestSetting {
  loaded: LoadedExperiment;
  experimentDir: string;
  storeFile: string;
  backendName: string;
  onCorrupt: CorruptionSink;
  /** The runs to ingest, by id. */
  runsOnDisk(ids: readonly string[]): RunOnDisk[];
  /** Ids of runs with an attempt in flight. */
  activeRunIds(): string[];
}

export class JournalIngest {
  private readonly changed = new Set<string>();
  // The periodic ingest in flight (it never rejects: its error is kept in `failure`).
  private running: Promise<void> | null = null;
  private failure: unknown = undefined;
  private lastFinished = Date.now();

  private readonly setting: JournalIngestSetting;

  constructor(setting: JournalIngestSetting) {
    this.setting = setting;
  }

  /** The run's journal changed: ingest it next time. */
  markChanged(runId: string): void {
    this.changed.add(runId);
  }

  /** Ingest now, waiting up to `waitMs` for the store; a busy store leaves the runs for the next try. */
  async ingest(waitMs: number, checkpoint = true): Promise<void> {
    const { loaded, experimentDir, storeFile, backendName, onCorrupt } = this.setting;
    const ids = [...new Set([...this.changed, ...this.setting.activeRunIds()])];
    this.changed.clear();
    try {
      await withStore(storeFile, { waitMs }, async (store) => {
        // Closing the file checkpoints the write-ahead log into it, synchronously on this thread.
        // The periodic ingests leave that to the last one (and to DuckDB's own size threshold).
        if (!checkpoint) await store.connection.run("PRAGMA disable_checkpoint_on_shutdown");
        await upsertExperiment(store.connection, {
          name: loaded.config.name,
          file: loaded.file,
          config: JSON.stringify(loaded.config),
          configSha256: sha256Hex(canonicalJson(loaded.config)),
          dir: experimentDir,
          seraVersion: SERA_VERSION,
        });
        await ingestRuns(store.connection, this.setting.runsOnDisk(ids), backendName, onCorrupt);
      });
    } catch (error) {
      for (const id of ids) this.changed.add(id);
      if (!(error instanceof StoreBusyError)) throw error;
    } finally {
      this.lastFinished = Date.now();
    }
  }

  /**
   * Start a periodic ingest if `intervalMs` passed since the last one and none is running. It runs
   * beside the loop (its DuckDB work is on DuckDB's threads), so runs keep being collected and
   * submitted meanwhile; events recorded during it are in the next one.
   */
  ingestInBackgroundEvery(intervalMs: number): void {
    if (this.failure) throw this.failure;
    if (this.running || Date.now() - this.lastFinished < intervalMs) return;
    this.running = this.ingest(2000, false)
      .catch((error: unknown) => {
        this.failure = error;
      })
      .finally(() => {
        this.running = null;
      });
  }

  /** Wait for a periodic ingest in flight; rethrows what an earlier one failed with. */
  async settle(): Promise<void> {
    await this.running;
    if (this.failure) throw this.failure;
  }

  /** Wait for a periodic ingest in flight, ignoring its outcome (the lock must outlive it). */
  async drain(): Promise<void> {
    await this.running;
  }
}
