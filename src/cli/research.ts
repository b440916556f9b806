/**
 * `perfloop research <target>`: profile the target, run the built-in rules on its hot functions,
 * print the hypotheses they would try (evidence, patch) and the patterns they left alone; with
 * `--out FILE`, write them as a hypotheses file for `perfloop run --hypotheses FILE`.
 * Thin: flags -> researchStandalone -> render. Changes nothing but the `--out` file.
 */
import type { CAC } from "cac";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import type { Platform } from "../platform/index.ts";
import { commandContext } from "./context.ts";
import { longTask } from "./long-task.ts";
import { NUMBER_FLAGS, numberFlag } from "./number-flags.ts";
import { rawOption } from "./raw-args.ts";

const ResearchFlagsSchema = v.object({
  test: v.optional(v.pipe(v.string("--test needs a command"), v.minLength(1, "--test needs a command"))),
  skipTests: v.boolean(),
  out: v.optional(v.pipe(v.string("--out needs a file name"), v.minLength(1, "--out needs a file name"))),
  force: v.boolean(),
  diff: v.boolean(),
});

export function registerResearch(cli: CAC, platform: Platform): void {
  cli
    .command("research <target>", "Profile a command and show the hypotheses the built-in rules would try, with their evidence and patches")
    .option("--out <file>", "Write them as a hypotheses file (docs/hypotheses.md) to edit and pass to perfloop run --hypotheses")
    .option("--force", "Replace the --out file if it exists")
    .option("--no-diff", "Do not print the patches")
    .option("--runs <n>", "Measured runs of the profile, 1 to 10000 (default: adaptive)")
    .option("--warmup <n>", "Warm-up runs, 0 to 1000 (default 1)")
    .option("--max-runs <n>", "Cap of the adaptive run count, 2 to 10000 (default 60)")
    .option("--test <cmd>", "The test command that must pass first (default: discovered)")
    .option("--skip-tests", "Do not look for or run a test command")
    .example(`perfloop research "node bench.js"`)
    .example(`perfloop research "node bench.js" --out perf/hypotheses.json`)
    .action(async (target: string, options: Record<string, unknown>) => {
      const ctx = commandContext(platform, options);
      const args = platform.args;
      const parsed = v.safeParse(ResearchFlagsSchema, {
        test: options.test === undefined ? undefined : (rawOption(args, "test") ?? ""),
        skipTests: options.skipTests === true,
        out: options.out === undefined ? undefined : (rawOption(args, "out") ?? ""),
        force: options.force === true,
        diff: options.diff !== false,
      });
      if (!parsed.success) throw new UsageError(parsed.issues[0]!.message, "see perfloop research --help");
      const f = parsed.output;
      const out = f.out === undefined ? null : resolve(platform.cwd, f.out);
      if (out && existsSync(out) && !f.force) throw new UsageError(`--out ${f.out} exists`, "choose another file, or pass --force to replace it");
      const counts = { runs: numberFlag(args, NUMBER_FLAGS.runs), warmup: numberFlag(args, NUMBER_FLAGS.warmup), maxRuns: numberFlag(args, NUMBER_FLAGS.maxRuns) };
      const { researchStandalone } = await import("../research/standalone.ts");
      const { renderResearch, hypothesesFileText } = await import("../report/research-text.ts");
      const report = await longTask(platform, ctx, "research", `researching ${target}`, (progress, signal) =>
        researchStandalone(
          platform,
          { target: String(target), projectRoot: ctx.projectRoot, slug: ctx.slug, test: f.test, skipTests: f.skipTests, ...counts },
          (event) => {
            if (event.kind === "tests") progress.update(`running the tests on the unmodified code: ${event.command}`);
            else if (event.kind === "cpu-profile") progress.update("one more run with a CPU profile");
            else progress.update(event.message);
          },
          signal,
        ),
      );
      if (out) {
        const { writeFileAtomic } = await import("../runtime/atomic-fs.ts");
        writeFileAtomic(out, hypothesesFileText(report.hypotheses), platform.pid);
      }
      if (ctx.json) ctx.output.json({ ok: true, target: report.target, hypotheses: report.hypotheses, rules: report.rules, modified: report.modified, notes: report.notes, out, profile_summary: report.profile.summary_path });
      else for (const line of renderResearch(report, { diff: f.diff, out: f.out ?? null })) ctx.output.line(line);
    });
}
