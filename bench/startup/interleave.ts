/**
 * Interleaved startup timing, for attributing cost between variants on a noisy machine: each round
 * runs every command once in a fresh random order, so load drift hits all commands alike (hyperfine
 * runs all of one command before the next). Spawn overhead inflates every row by the same constant,
 * so read the "+ms vs baseline" column, not the ratios. The first command is the baseline.
 * Usage: bun bench/startup/interleave.ts ROUNDS "name=cmd arg..." ...
 */
const rounds = Number(process.argv[2]);
const cmds = process.argv.slice(3).map((spec) => {
  const i = spec.indexOf("=");
  return { name: spec.slice(0, i), argv: spec.slice(i + 1).split(" ") };
});
if (!(rounds > 0) || cmds.length < 2) {
  console.error('usage: bun interleave.ts ROUNDS "name=cmd arg..." "name=cmd arg..." ...');
  process.exit(2);
}

const run = (argv: string[]): number => {
  const start = performance.now();
  const r = Bun.spawnSync(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const elapsed = performance.now() - start;
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited with ${r.exitCode}`);
  return elapsed;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const times = new Map(cmds.map((c) => [c.name, [] as number[]]));
for (const c of cmds) for (let i = 0; i < 3; i++) run(c.argv); // warmup
for (let r = 0; r < rounds; r++) {
  const order = cmds.map((c) => [Math.random(), c] as const).sort((a, b) => a[0] - b[0]);
  for (const [, c] of order) times.get(c.name)!.push(run(c.argv));
}

const base = median(times.get(cmds[0]!.name)!);
const width = Math.max(...cmds.map((c) => c.name.length));
console.log(`${"variant".padEnd(width)}  median ms  vs baseline  (${rounds} interleaved rounds)`);
for (const c of cmds) {
  const m = median(times.get(c.name)!);
  const d = m - base;
  console.log(`${c.name.padEnd(width)}  ${m.toFixed(2).padStart(9)}  ${`${d >= 0 ? "+" : ""}${d.toFixed(2)} ms`.padStart(11)}`);
}
