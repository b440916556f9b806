/**
 * Confining writes with Landlock (Linux 5.13+, docs/safety.md): an unprivileged process restricts
 * itself, and the restriction holds for everything it starts afterwards and cannot be undone by
 * them. perfloop's resident spawner (spawner-server.ts) calls `restrictWrites` once, before it
 * starts any command: from then on its commands may write only beneath the directories and files
 * of the rules. Reading and executing stay allowed everywhere; so does the network.
 *
 * The kernel interface (include/uapi/linux/landlock.h; Documentation/userspace-api/landlock.rst):
 * landlock_create_ruleset(attr, size, flags) with the access rights the ruleset "handles" (denies
 * unless a rule allows them), landlock_add_rule(ruleset, LANDLOCK_RULE_PATH_BENEATH, attr, 0) per
 * allowed hierarchy (the rule binds the directory's inode, not its name), prctl(NO_NEW_PRIVS) and
 * landlock_restrict_self(ruleset, 0). Rights a kernel's ABI does not know are left out.
 */
import { errnoName, PR_SET_NO_NEW_PRIVS, SYS, type Libc } from "./libc.ts";

/** Filesystem access rights, by bit (LANDLOCK_ACCESS_FS_*), and the ABI that introduced each. */
const ACCESS = {
  WRITE_FILE: 1n << 1n,
  REMOVE_DIR: 1n << 4n,
  REMOVE_FILE: 1n << 5n,
  MAKE_CHAR: 1n << 6n,
  MAKE_DIR: 1n << 7n,
  MAKE_REG: 1n << 8n,
  MAKE_SOCK: 1n << 9n,
  MAKE_FIFO: 1n << 10n,
  MAKE_BLOCK: 1n << 11n,
  MAKE_SYM: 1n << 12n,
  /** ABI 2: linking or renaming a file into another directory. */
  REFER: 1n << 13n,
  /** ABI 3: truncate(2) and O_TRUNC. */
  TRUNCATE: 1n << 14n,
} as const;
/** ABI 6: a confined process may signal only processes in its own domain (LANDLOCK_SCOPE_SIGNAL). */
const SCOPE_SIGNAL = 1n << 1n;
const CREATE_RULESET_VERSION = 1;
const RULE_PATH_BENEATH = 1;
/** struct landlock_ruleset_attr grew with the ABI: handled_access_fs (1), handled_access_net (4), scoped (6). */
const RULESET_ATTR_BYTES = (abi: number) => (abi >= 6 ? 24 : abi >= 4 ? 16 : 8);

/** What a confined command may write. */
export interface WriteRules {
  /** Directories beneath which every kind of write is allowed (create, write, remove, rename). */
  readonly dirs: readonly string[];
  /** Existing files (device nodes such as /dev/null), or directories for the files beneath them, that may be opened for writing: nothing is created or removed there. */
  readonly files: readonly string[];
}

export type Confinement =
  | { readonly confined: true; readonly mechanism: "landlock"; readonly abi: number }
  | { readonly confined: false; readonly reason: string };

/** The Landlock ABI version of the running kernel, or why there is none. */
export function landlockAbi(libc: Libc): { abi: number } | { reason: string } {
  const abi = Number(libc.syscall(SYS.landlock_create_ruleset, 0, 0, CREATE_RULESET_VERSION, 0));
  if (abi >= 1) return { abi };
  const errno = errnoName(libc.errno());
  if (errno === "EOPNOTSUPP") return { reason: "Landlock is built into this kernel but switched off at boot (add landlock to the lsm= kernel parameter)" };
  if (errno === "ENOSYS") return { reason: "this kernel has no Landlock (it needs Linux 5.13 or later built with CONFIG_SECURITY_LANDLOCK)" };
  return { reason: `Landlock is not usable here (${errno}; a container's seccomp profile may block it)` };
}

function handledAccess(abi: number): bigint {
  let rights = 0n;
  for (const [name, bit] of Object.entries(ACCESS)) {
    if (name === "REFER" && abi < 2) continue;
    if (name === "TRUNCATE" && abi < 3) continue;
    rights |= bit;
  }
  return rights;
}

/**
 * Restricts this process (the calling thread, and every process it starts afterwards) to the
 * writes of `rules`. Call it before starting any child, from the thread that starts them.
 * A directory or file that does not exist is skipped; one that cannot be opened fails the whole.
 */
export function restrictWrites(libc: Libc, rules: WriteRules): Confinement {
  const found = landlockAbi(libc);
  if (!("abi" in found)) return { confined: false, reason: found.reason };
  const { abi } = found;
  const handled = handledAccess(abi);
  const attr = new BigUint64Array([handled, 0n, abi >= 6 ? SCOPE_SIGNAL : 0n]);
  const ruleset = Number(libc.syscall(SYS.landlock_create_ruleset, libc.address(attr), RULESET_ATTR_BYTES(abi), 0, 0));
  if (ruleset < 0) return { confined: false, reason: `landlock_create_ruleset failed (${errnoName(libc.errno())})` };
  try {
    const fileRights = ACCESS.WRITE_FILE | (abi >= 3 ? ACCESS.TRUNCATE : 0n);
    const entries: [string, bigint, boolean][] = [...rules.dirs.map((d): [string, bigint, boolean] => [d, handled, true]), ...rules.files.map((f): [string, bigint, boolean] => [f, fileRights, false])];
    for (const [path, rights, required] of entries) {
      const problem = addRule(libc, ruleset, path, rights);
      if (problem && (required || !problem.includes("ENOENT"))) return { confined: false, reason: problem };
    }
    if (libc.prctl(PR_SET_NO_NEW_PRIVS, 1) !== 0) return { confined: false, reason: `prctl(PR_SET_NO_NEW_PRIVS) failed (${errnoName(libc.errno())})` };
    if (Number(libc.syscall(SYS.landlock_restrict_self, ruleset, 0, 0, 0)) !== 0) return { confined: false, reason: `landlock_restrict_self failed (${errnoName(libc.errno())})` };
    return { confined: true, mechanism: "landlock", abi };
  } finally {
    libc.close(ruleset);
  }
}

/** One LANDLOCK_RULE_PATH_BENEATH rule; a problem in words, or null. */
function addRule(libc: Libc, ruleset: number, path: string, rights: bigint): string | null {
  const fd = libc.openPath(path);
  if (fd < 0) return `cannot open ${path} for a Landlock rule (${errnoName(libc.errno())})`;
  try {
    // struct landlock_path_beneath_attr { __u64 allowed_access; __s32 parent_fd; } __attribute__((packed)): 12 bytes.
    const attr = new Uint8Array(16);
    const view = new DataView(attr.buffer);
    view.setBigUint64(0, rights, true);
    view.setInt32(8, fd, true);
    const done = Number(libc.syscall(SYS.landlock_add_rule, ruleset, RULE_PATH_BENEATH, libc.address(attr), 0));
    return done === 0 ? null : `landlock_add_rule for ${path} failed (${errnoName(libc.errno())})`;
  } finally {
    libc.close(fd);
  }
}
