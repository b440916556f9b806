/**
 * Finding the one JSON object in a program's output (an agent's answer, spec/hypotheses.md):
 * models like to wrap their JSON in prose or in a ```json fence, and that is tolerated only when
 * the object can be found unambiguously.
 *
 * The rule: the whole text, when it parses as a JSON object; otherwise the single outermost
 * balanced `{...}` span that parses as JSON. Brace matching is string-aware inside a span (braces
 * and quotes inside JSON strings do not count, escapes are honoured) and ignores quotes in the
 * prose outside any span (an apostrophe in "here's the file" opens no string). One pass, so the
 * cost is linear in the text. A span that is balanced but not JSON is skipped as a whole (the
 * objects nested in it are not searched: they would be fragments of a broken answer); a `{` that
 * is never closed is passed over and the spans after and inside it still count.
 */

/** What was found: the object, and whether other text (prose, a fence) had to be ignored. */
export interface ExtractedJson {
  value: Record<string, unknown>;
  surrounded: boolean;
}

const BOM = "\uFEFF";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return `a ${typeof value}`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The outermost balanced `{...}` spans of `text`, as [start, end) pairs in order. Strings are
 * tracked only while a span is open; unclosed openers are dropped at the end, so the spans closed
 * inside them become outermost.
 */
function outermostSpans(text: string): [number, number][] {
  const open: number[] = [];
  const closed: { start: number; end: number }[] = [];
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === "{") open.push(i);
    else if (ch === "}" && open.length > 0) closed.push({ start: open.pop()!, end: i + 1 });
    else if (ch === '"' && open.length > 0) inString = true;
  }
  // Closed spans come out innermost first; keep those not inside a later-closed one.
  closed.sort((a, b) => a.start - b.start || b.end - a.end);
  const outermost: [number, number][] = [];
  let reach = -1;
  for (const span of closed) {
    if (span.start < reach) continue;
    outermost.push([span.start, span.end]);
    reach = span.end;
  }
  return outermost;
}

/**
 * The one JSON object in `text`: the whole text if it parses as an object; otherwise the single
 * balanced top-level {...} span that parses (string-aware brace matching, so braces inside JSON
 * strings do not count); fenced ```json blocks are a common case. Throws an Error with a one-line
 * message when there is none ("no JSON object found", with the reason when the output is JSON of
 * another kind or a span looked like JSON but did not parse) or more than one candidate that
 * parses ("2 JSON objects found; print exactly one").
 */
export function extractJsonObject(text: string): ExtractedJson {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  let whole: unknown;
  let wholeParsed = false;
  try {
    whole = JSON.parse(body);
    wholeParsed = true;
  } catch {
    // Not JSON as a whole: look for an object inside.
  }
  if (wholeParsed) {
    if (isPlainObject(whole)) return { value: whole, surrounded: false };
    throw new Error(`no JSON object found: the output is JSON, but ${jsonKind(whole)}, not an object`);
  }

  const found: Record<string, unknown>[] = [];
  let broken: string | null = null;
  for (const [start, end] of outermostSpans(body)) {
    try {
      const value: unknown = JSON.parse(body.slice(start, end));
      if (isPlainObject(value)) found.push(value);
    } catch (error) {
      broken ??= `the {...} at line ${lineOf(body, start)} is not valid JSON: ${firstLine(error)}`;
    }
  }
  if (found.length === 1) return { value: found[0]!, surrounded: true };
  if (found.length > 1) throw new Error(`${found.length} JSON objects found; print exactly one`);
  throw new Error(broken === null ? "no JSON object found" : `no JSON object found (${broken})`);
}

/**
 * Every top-level {...} object in `text` that parses, in order (a model's answer may quote an
 * example before its own answer: the caller picks among them by their shape).
 */
export function jsonObjectsIn(text: string): Record<string, unknown>[] {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  const found: Record<string, unknown>[] = [];
  for (const [start, end] of outermostSpans(body)) {
    try {
      const value: unknown = JSON.parse(body.slice(start, end));
      if (isPlainObject(value)) found.push(value);
    } catch {
      // Not JSON: prose with braces.
    }
  }
  return found;
}
