/**
 * One driver per slug: `perfloop run` and `perfloop resume` hold
 * `.hex-skills/optimization/<slug>/run.lock` (created with O_EXCL, holding the pid) for as long as
 * they drive the run, so a second one on the same slug is refused with the pid that holds it.
 * A lock whose process is gone (a kill -9) is stale and taken over. The runtime's own
 * project-wide lock still guards each single write.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { readJsonLoose } from "../runtime/atomic-fs.ts";

const LockFileSchema = v.object({ pid: v.number(), started_at: v.string() });

export interface RunLock {
  release(): void;
}

export function acquireRunLock(path: string, pid: number, now: number, alive: (pid: number) => boolean, slug: string): RunLock {
  mkdirSync(dirname(path), { recursive: true });
  const body = `${JSON.stringify({ pid, started_at: new Date(now).toISOString() })}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o644);
      try {
        writeSync(fd, body);
      } finally {
        closeSync(fd);
      }
      return { release: () => rmSync(path, { force: true }) };
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
    }
    const held = v.safeParse(LockFileSchema, readJsonLoose(path));
    if (held.success && held.output.pid !== pid && alive(held.output.pid)) {
      throw new UsageError(`run ${slug} is being driven by another perfloop (pid ${held.output.pid}, since ${held.output.started_at})`, `wait for it to finish, or stop it (kill ${held.output.pid}); perfloop status shows where the run stands`);
    }
    // Stale (its process is gone) or unreadable: take it over.
    rmSync(path, { force: true });
  }
  throw new UsageError(`could not take the lock ${path}`, "remove the file if no perfloop is running");
}
