/**
 * cac parses option values with mri, which turns "007" into 7 and "1e3" into 1000. Values that must
 * stay text (slugs, run ids, payloads, reasons) are read back from the raw argument list instead.
 */
export function rawOption(args: readonly string[], name: string): string | undefined {
  return rawOptions(args, name).at(-1);
}

/**
 * A flag's text when cac saw it (`options[key]` set), "" when it was given with nothing after it
 * (so that a schema can name it), undefined when it was not given.
 */
export function givenOption(options: Record<string, unknown>, args: readonly string[], key: string, name: string): string | undefined {
  return options[key] === undefined ? undefined : (rawOption(args, name) ?? "");
}

/** Every value of a flag that may be given more than once (`--allow-write a --allow-write b`), in order. */
export function rawOptions(args: readonly string[], name: string): string[] {
  const found: string[] = [];
  const flag = `--${name}`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") break;
    if (arg === flag) {
      const next = args[i + 1];
      if (next !== undefined && !(next.startsWith("--") && next.length > 2)) {
        found.push(next);
        i++;
      }
    } else if (arg.startsWith(`${flag}=`)) {
      found.push(arg.slice(flag.length + 1));
    }
  }
  return found;
}

/** Option names the person typed (without dashes), for the unknown-flag check outside a command. */
export function typedOptionNames(args: readonly string[]): string[] {
  const names: string[] = [];
  for (const arg of args) {
    if (arg === "--") break;
    if (arg.startsWith("--") && arg.length > 2) names.push(arg.slice(2).split("=")[0]!);
    else if (arg.startsWith("-") && arg.length > 1 && !/^-\d/.test(arg)) names.push(...arg.slice(1).split(""));
  }
  return names;
}
