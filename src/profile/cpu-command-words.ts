/**
 * Splits a person's shell command line into words, enough to recognise which program it starts
 * and where profiler flags can be inserted. Not a shell: it understands quotes ('…', "…", \x),
 * environment assignments before the command word, redirections (`>`, `2>&1`, `<`), and it
 * notices the operators that make a command compound (`|`, `&&`, `||`, `;`, `&`, `(`, `)`,
 * newlines, `$(…)` and backticks). Expansions (`$VAR`, globs, `~`) are left as written.
 * Every word keeps its offsets in the original text, so a rewrite splices into the person's own
 * command line instead of rebuilding it (STYLE.md: no shell strings built by interpolation).
 */

export interface Word {
  /** The word with quotes and escapes removed. */
  readonly value: string;
  /** Offsets of the word in the original text (end exclusive). */
  readonly start: number;
  readonly end: number;
}

/** One simple command: leading `NAME=value` assignments, then the command word and its arguments. */
export interface Segment {
  readonly assignments: readonly Word[];
  readonly words: readonly Word[];
}

export interface CommandWords {
  readonly segments: readonly Segment[];
  /** True when the text holds more than one simple command, a subshell or a substitution. */
  readonly compound: boolean;
  /** Set when the text could not be split (an unterminated quote). */
  readonly error: string | null;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const BLANK = /[ \t]/;
/** Operators that separate simple commands (or start a subshell). */
const SEPARATORS = new Set(["|", "&", ";", "(", ")", "\n"]);

/** Splits `text` into simple commands and their words. */
export function splitCommandLine(text: string): CommandWords {
  const segments: Segment[] = [];
  let words: Word[] = [];
  let compound = false;
  let i = 0;

  const endSegment = () => {
    const firstCommand = words.findIndex((word) => !ASSIGNMENT.test(word.value));
    const cut = firstCommand === -1 ? words.length : firstCommand;
    if (words.length > 0) segments.push({ assignments: words.slice(0, cut), words: words.slice(cut) });
    words = [];
  };

  while (i < text.length) {
    const c = text[i] as string;
    if (BLANK.test(c) || c === "\r") {
      i++;
      continue;
    }
    if (c === "#") {
      // A comment runs to the end of the line.
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (SEPARATORS.has(c)) {
      compound = true;
      endSegment();
      i++;
      continue;
    }
    if (c === ">" || c === "<") {
      // A redirection and its target are not arguments: skip `>`, `>>`, `>&2`, `<`, `<<<` and the
      // following word.
      i++;
      while (i < text.length && (text[i] === ">" || text[i] === "<" || text[i] === "&" || text[i] === "|")) i++;
      while (i < text.length && BLANK.test(text[i] as string)) i++;
      const target = readWord(text, i);
      if (target.error) return { segments, compound, error: target.error };
      if (target.substitution) compound = true;
      i = target.end;
      continue;
    }
    const word = readWord(text, i);
    if (word.error) return { segments, compound, error: word.error };
    if (word.substitution) compound = true;
    // A file descriptor number glued to a redirection (`2>&1`) is not a word either.
    if (/^\d+$/.test(word.value) && (text[word.end] === ">" || text[word.end] === "<")) {
      i = word.end;
      continue;
    }
    words.push({ value: word.value, start: i, end: word.end });
    i = word.end;
  }
  endSegment();
  return { segments, compound, error: null };
}

interface RawWord {
  value: string;
  end: number;
  substitution: boolean;
  error: string | null;
}

/** Reads one word starting at `start`, removing quotes and escapes. */
function readWord(text: string, start: number): RawWord {
  let value = "";
  let substitution = false;
  let i = start;
  while (i < text.length) {
    const c = text[i] as string;
    if (BLANK.test(c) || c === "\r" || SEPARATORS.has(c) || c === ">" || c === "<") break;
    if (c === "\\") {
      value += text[i + 1] ?? "";
      i += 2;
      continue;
    }
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) return { value, end: text.length, substitution, error: "unterminated single quote" };
      value += text.slice(i + 1, close);
      i = close + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string)) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (text[i] === "`" || (text[i] === "$" && text[i + 1] === "(")) substitution = true;
        value += text[i];
        i++;
      }
      if (i >= text.length) return { value, end: text.length, substitution, error: "unterminated double quote" };
      i++;
      continue;
    }
    if (c === "`" || (c === "$" && text[i + 1] === "(")) substitution = true;
    value += c;
    i++;
  }
  return { value, end: i, substitution, error: null };
}

/** Quotes one argument for /bin/sh; plain words stay as they are. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_\/.,:=@%+-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The last path component of a command word (`/usr/bin/node` -> `node`). */
export function commandName(word: string): string {
  const slash = word.lastIndexOf("/");
  return slash === -1 ? word : word.slice(slash + 1);
}
