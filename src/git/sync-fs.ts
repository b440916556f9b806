/**
 * The `fs` perfloop hands to isomorphic-git: node:fs's synchronous calls behind the promise API
 * isomorphic-git expects, and, for bulk reads, a snapshot of the object store's directories.
 *
 * Why (measured with strace on 2,000 files, docs/git.md): isomorphic-git makes several small
 * file system calls per object. On every API call it probes the fs (`readFile()` with no
 * argument) and stats the git directory; for every object it opens the loose path (ENOENT in a
 * packed repository) and lists objects/pack. Through node:fs/promises each call is a round trip
 * to the runtime's I/O thread pool; a materialization made ~8,000 of them, ~4 per file, on a
 * machine where a file create costs 0.1-0.3 ms anyway. The synchronous calls cost microseconds
 * (they block the event loop for that long, which is fine here: perfloop's own file writes still
 * go through node:fs/promises, in parallel).
 *
 * `objectSnapshotFs` goes further for read-only bulk work (materialize, readTreeAt): the list of
 * pack files and of loose objects is read once, so a missing loose object is answered without a
 * system call. It must not outlive the operation: objects written meanwhile would be missed.
 */
import { join } from "node:path";
import type { GitFs, NodeFs } from "./iso.ts";

type Args<F> = F extends (...args: infer A) => unknown ? A : never;

const LOOSE_OBJECT = /^([0-9a-f]{2})\/([0-9a-f]{38})$/;
/**
 * Thrown, shared, for the answers the snapshot gives without asking the disk. isomorphic-git
 * only looks at `code` (ENOENT: "no such object here, try the packs"); one object is reused so
 * that 2,000 misses do not build 2,000 stack traces.
 */
const NOT_FOUND: Error & { code: string } = Object.assign(new Error("ENOENT: no such loose object"), { code: "ENOENT" });
const NO_PATH: Error & { code: string } = Object.assign(new TypeError("readFile needs a path"), { code: "ERR_INVALID_ARG_TYPE" });

/**
 * Bun's errors from a write after the open (a full disk: ENOSPC, syscall "write") name no path;
 * the path is added so that the message can name the file (runtime/write-error.ts).
 */
export function withPath(error: unknown, path: unknown): unknown {
  if (typeof error === "object" && error !== null && !("path" in error && (error as { path?: unknown }).path) && typeof path === "string") {
    Object.assign(error, { path });
  }
  return error;
}

/**
 * isomorphic-git writes objects and refs in place, and skips an object whose file exists: a full
 * disk would leave an empty loose object (a repository `git fsck` calls corrupt) or an empty ref.
 * Each file is written to a temp file beside it and renamed over it, or not at all.
 */
function writeWhole(fs: NodeFs, args: Args<NodeFs["writeFileSync"]>): void {
  const [path, ...rest] = args;
  if (typeof path !== "string") {
    fs.writeFileSync(...args);
    return;
  }
  const temp = `${path}.tmp-${globalThis.crypto.randomUUID().slice(0, 8)}`;
  try {
    fs.writeFileSync(temp, ...rest);
    fs.renameSync(temp, path);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw withPath(error, path);
  }
}

function syncCommands(fs: NodeFs) {
  return {
    readFile: async (...args: Args<NodeFs["readFileSync"]>) => {
      // isomorphic-git calls `readFile()` with no argument on every API call, only to see that a
      // promise comes back: answer without a system call or a new Error (a stack trace each).
      if (args[0] === undefined) throw NO_PATH;
      return fs.readFileSync(...args);
    },
    writeFile: async (...args: Args<NodeFs["writeFileSync"]>) => writeWhole(fs, args),
    mkdir: async (...args: Args<NodeFs["mkdirSync"]>) => fs.mkdirSync(...args),
    rmdir: async (...args: Args<NodeFs["rmdirSync"]>) => fs.rmdirSync(...args),
    unlink: async (...args: Args<NodeFs["unlinkSync"]>) => fs.unlinkSync(...args),
    stat: async (...args: Args<NodeFs["statSync"]>) => fs.statSync(...args),
    lstat: async (...args: Args<NodeFs["lstatSync"]>) => fs.lstatSync(...args),
    readdir: async (...args: Args<NodeFs["readdirSync"]>) => fs.readdirSync(...args),
    readlink: async (...args: Args<NodeFs["readlinkSync"]>) => fs.readlinkSync(...args),
    symlink: async (...args: Args<NodeFs["symlinkSync"]>) => fs.symlinkSync(...args),
    chmod: async (...args: Args<NodeFs["chmodSync"]>) => fs.chmodSync(...args),
    rm: async (...args: Args<NodeFs["rmSync"]>) => fs.rmSync(...args),
  };
}

/** A minimal fs client for isomorphic-git (the commands its FileSystem wrapper binds, plus rm). */
export function syncBackedFs(fs: NodeFs): GitFs {
  return { promises: syncCommands(fs) } as unknown as GitFs;
}


/**
 * syncBackedFs plus, under `<gitdir>/objects/`, answers from a snapshot: the pack directory's
 * listing, the git directory's stat, and which loose objects exist (each fan-out directory listed
 * once, when first asked). Reads of existing files still go to the disk. For one read-only
 * operation only (see the module comment).
 */
export function objectSnapshotFs(fs: NodeFs, gitdir: string): GitFs {
  const base = syncCommands(fs);
  const objects = join(gitdir, "objects") + "/";
  const packDir = join(gitdir, "objects", "pack");
  const loose = new Map<string, Set<string>>();
  let packList: string[] | undefined;
  let gitdirStat: ReturnType<NodeFs["statSync"]> | undefined;

  const promises = {
    ...base,
    readFile: async (...args: Args<NodeFs["readFileSync"]>) => {
      const path = args[0];
      if (path === undefined) throw NO_PATH;
      if (typeof path === "string" && path.startsWith(objects)) {
        const match = LOOSE_OBJECT.exec(path.slice(objects.length));
        if (match) {
          const [, fan = "", rest = ""] = match;
          let names = loose.get(fan);
          if (!names) {
            names = new Set(listOrEmpty(fs, objects + fan));
            loose.set(fan, names);
          }
          if (!names.has(rest)) throw NOT_FOUND;
        }
      }
      return fs.readFileSync(...args);
    },
    readdir: async (...args: Args<NodeFs["readdirSync"]>) => {
      if (args[0] === packDir && (args as unknown[]).length === 1) return (packList ??= listOrEmpty(fs, packDir));
      return fs.readdirSync(...args);
    },
    stat: async (...args: Args<NodeFs["statSync"]>) => {
      if (args[0] === gitdir && (args as unknown[]).length === 1) return (gitdirStat ??= fs.statSync(gitdir));
      return fs.statSync(...args);
    },
  };
  return { promises } as unknown as GitFs;
}

function listOrEmpty(fs: NodeFs, dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
