/**
 * The little structure the suspicion rules need from a JS/TS source file, found line by line
 * without a parser (no dependency; the same code for every runtime):
 *  - `maskSource`: the text with comments and the contents of string, template and regex literals
 *    blanked (delimiters and newlines kept), so patterns never match inside them. Code inside
 *    template `${…}` stays visible.
 *  - `functionLines`: the lines of the function starting at a given line, by indentation: the
 *    body runs until the next non-blank line indented no deeper than the first (a closing `}`/`)`
 *    on it included). Formatted code only: minified or oddly indented files give wrong ranges.
 *  - `findLoops`: `for`/`while`/`do` loops and array iteration callbacks (`.forEach(`, `.map(`,
 *    `.reduce(`…) inside a line range, each with where its body starts (after the header's
 *    closing paren for `for`/`while`, after the opening paren for callbacks) and ends (by
 *    indentation, as above).
 * Limits, on purpose: a callback passed in a variable is not seen as a loop; a function defined
 * inside a loop counts as inside it; regex literals are told from division by the character before
 * the `/`, which can be wrong after `)`.
 */

export interface LoopRange {
  kind: "for" | "while" | "do" | "callback";
  /** The method for callbacks (`forEach`, `map`, …), the keyword otherwise. */
  name: string;
  /** 0-based line of the header. */
  headerLine: number;
  /** Column on the header line where the body starts. */
  bodyColumn: number;
  /** 0-based last line of the body (inclusive). */
  endLine: number;
  forAwait: boolean;
}

/** Lines a function or loop body is followed at most. */
export const MAX_BODY_LINES = 400;

const REGEX_BEFORE = new Set(["(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";", "+", "-", "*", "%", "<", ">", "~", "^", ""]);
const REGEX_AFTER_WORD = /(?:^|[^\w$])(?:return|typeof|case|in|of|new|delete|void|throw|yield|await)$/;

/** Comments and literal contents replaced by spaces; same length, same line breaks. */
export function maskSource(text: string): string {
  const out = text.split("");
  const blank = (i: number) => {
    if (out[i] !== "\n") out[i] = " ";
  };
  // Each entry: "code" with its brace depth (a template `${` expression) or a template.
  const stack: { kind: "code" | "template"; depth: number }[] = [{ kind: "code", depth: 0 }];
  let i = 0;
  let lastSignificant = "";
  let lastWordEnd = 0;
  while (i < text.length) {
    const top = stack[stack.length - 1] as { kind: "code" | "template"; depth: number };
    const c = text[i] as string;
    if (top.kind === "template") {
      if (c === "\\") {
        blank(i);
        if (i + 1 < text.length) blank(i + 1);
        i += 2;
      } else if (c === "`") {
        stack.pop();
        lastSignificant = "`";
        i++;
      } else if (c === "$" && text[i + 1] === "{") {
        stack.push({ kind: "code", depth: 0 });
        i += 2;
        lastSignificant = "{";
      } else {
        blank(i);
        i++;
      }
      continue;
    }
    const next = text[i + 1];
    if (c === "/" && next === "/") {
      while (i < text.length && text[i] !== "\n") blank(i++);
      continue;
    }
    if (c === "/" && next === "*") {
      const close = text.indexOf("*/", i + 2);
      const end = close === -1 ? text.length : close + 2;
      while (i < end) blank(i++);
      continue;
    }
    if (c === "'" || c === '"') {
      i++;
      while (i < text.length && text[i] !== c && text[i] !== "\n") {
        if (text[i] === "\\") blank(i++);
        if (i < text.length) blank(i++);
      }
      i++;
      lastSignificant = c;
      continue;
    }
    if (c === "`") {
      stack.push({ kind: "template", depth: 0 });
      i++;
      continue;
    }
    if (c === "/" && (REGEX_BEFORE.has(lastSignificant) || REGEX_AFTER_WORD.test(text.slice(Math.max(0, lastWordEnd - 8), lastWordEnd)))) {
      i++;
      let inClass = false;
      while (i < text.length && text[i] !== "\n" && (inClass || text[i] !== "/")) {
        if (text[i] === "\\") blank(i++);
        else if (text[i] === "[") inClass = true;
        else if (text[i] === "]") inClass = false;
        if (i < text.length) blank(i++);
      }
      i++;
      lastSignificant = "/x"; // a regex ends like a value: a following `/` is division
      continue;
    }
    if (c === "{") top.depth++;
    if (c === "}") {
      if (top.depth === 0 && stack.length > 1) {
        stack.pop(); // the end of a template `${…}`
        i++;
        continue;
      }
      top.depth--;
    }
    if (!/\s/.test(c)) {
      lastSignificant = /[\w$]/.test(c) ? "w" : c;
      if (/[\w$]/.test(c)) lastWordEnd = i + 1;
    }
    i++;
  }
  return out.join("");
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** 0-based last line of the block whose first line is `first` (by indentation; see the header). */
export function blockEnd(lines: readonly string[], first: number): number {
  const base = indentOf(lines[first] ?? "");
  const limit = Math.min(lines.length - 1, first + MAX_BODY_LINES);
  for (let i = first + 1; i <= limit; i++) {
    const line = lines[i] as string;
    if (line.trim() === "") continue;
    if (indentOf(line) <= base) return /^\s*[})\]]/.test(line) ? i : i - 1;
  }
  return limit;
}

/** 0-based [first, last] lines of the function whose header is on 0-based `line`. */
export function functionLines(lines: readonly string[], line: number): [number, number] {
  return [line, blockEnd(lines, line)];
}

const LOOP_HEADER = /(^|[^\w$.])(for|while)\s*(await\s*)?\(|(^|[^\w$.])do\s*\{|\.(forEach|map|flatMap|filter|reduce|reduceRight|some|every|find|findIndex|findLast|findLastIndex|sort)\s*\(/g;

/** Loops whose header lies on 0-based lines first..last of the masked lines. */
export function findLoops(masked: readonly string[], first: number, last: number): LoopRange[] {
  const loops: LoopRange[] = [];
  for (let l = first; l <= last; l++) {
    const line = masked[l] as string;
    for (const match of line.matchAll(LOOP_HEADER)) {
      const at = match.index as number;
      const open = at + match[0].length; // just after the `(` or `{`
      if (match[2]) {
        // for/while: the body starts after the header's closing paren.
        const close = closingParen(line, open);
        if (match[2] === "while" && /^\s*;/.test(line.slice(close))) continue; // the end of a do…while
        loops.push({ kind: match[2] as "for" | "while", name: match[2], headerLine: l, bodyColumn: close, endLine: blockEnd(masked, l), forAwait: Boolean(match[3]) });
      } else if (match[0].trimEnd().endsWith("{") && !match[5]) {
        loops.push({ kind: "do", name: "do", headerLine: l, bodyColumn: open, endLine: blockEnd(masked, l), forAwait: false });
      } else {
        loops.push({ kind: "callback", name: match[5] as string, headerLine: l, bodyColumn: open, endLine: blockEnd(masked, l), forAwait: false });
      }
    }
  }
  return loops;
}

/** Column just after the paren closing the one opened before `from`; the line's end when not on it. */
function closingParen(line: string, from: number): number {
  let depth = 1;
  for (let i = from; i < line.length; i++) {
    if (line[i] === "(") depth++;
    else if (line[i] === ")" && --depth === 0) return i + 1;
  }
  return line.length;
}

/** The innermost loop containing (line, column), or null. */
export function loopAt(loops: readonly LoopRange[], line: number, column: number): LoopRange | null {
  let found: LoopRange | null = null;
  for (const loop of loops) {
    const inside = (line === loop.headerLine && column >= loop.bodyColumn) || (line > loop.headerLine && line <= loop.endLine);
    if (inside && (!found || loop.headerLine >= found.headerLine)) found = loop;
  }
  return found;
}
