/**
 * When a command in a side tree fails because it tried to write outside it (docs/safety.md), its
 * output says so in the usual words of the C library and of the common runtimes; the hint names
 * the path and the way out (`--allow-write`).
 */

/** "Permission denied" / EACCES / EPERM / "Read-only file system" with a path nearby. */
const DENIED = /(?:permission denied|EACCES|EPERM|operation not permitted|read-only file system|EROFS)/i;
/** An absolute path in the same line ("'/root/.npm/_logs'", "/tmp/x:", "open /home/a/.cache/go-build"). */
const ABSOLUTE_PATH = /(?:^|[\s'"`(,:=])(\/(?:[\w.@+-]+\/?)+)/;

/** A hint for output that shows a write refused by the confinement, else null. */
export function confinementHint(output: string): string | null {
  for (const line of output.split("\n")) {
    if (!DENIED.test(line)) continue;
    const path = ABSOLUTE_PATH.exec(line)?.[1];
    const where = path ? ` (${path})` : "";
    return `a command tried to write outside its side tree${where}: perfloop lets commands write only in their side tree and TMPDIR (docs/safety.md); if that is a cache the command needs, allow it with --allow-write <dir>`;
  }
  return null;
}
