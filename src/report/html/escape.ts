/**
 * Markup that cannot be injected (report.html, docs/report-html.md): every string from a run
 * (hypothesis ids and descriptions, commands, paths, an agent's words) reaches the page through
 * `html`, a tagged template that escapes whatever it interpolates, unless it is markup built by
 * `html` itself (an Html value). A renderer that forgets to escape does not type-check against
 * Html, and a string pasted into a template is escaped anyway. Pure.
 */

/** A fragment of markup that is safe to place in the page: only `html` and `raw` make one. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** What `html` interpolates: text (escaped), numbers, markup, lists of them; null, undefined and false vanish. */
export type Part = string | number | Html | null | undefined | false | readonly Part[];

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Text as HTML text or attribute value: the five markup characters as entities, and characters
 * HTML does not allow (NUL, other C0 controls but tab and newline, lone surrogates) as U+FFFD.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/[&<>"']/g, (char) => ENTITIES[char]!)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return "";
  if (part instanceof Html) return part.text;
  if (typeof part === "number") return Number.isFinite(part) ? String(part) : "";
  if (typeof part === "string") return escapeHtml(part);
  return part.map(render).join("");
}

/** The tagged template: `html\`<td>${text}</td>\`` escapes `text`. */
export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < parts.length; i++) out += render(parts[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup perfloop itself wrote (the style sheet): never text from a run. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** Fragments joined into one. */
export function join(parts: readonly Part[], separator: Part = ""): Html {
  return new Html(parts.map(render).join(render(separator)));
}

/** A number for an SVG coordinate: two decimals at most, never NaN (0 instead). */
export function coord(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : "0";
}
