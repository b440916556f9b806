/**
 * Checks of report.html's structure for the tests (unit and e2e): every element one the renderer
 * may write, with attributes it may write (no event handler, no script, no link that loads
 * anything), elements closed in order, ids unique, and the sections in the page's order. A page
 * with markup injected from a run fails these. Not a test file itself.
 */

/** The elements report.html is made of; void elements need no closing tag. */
const ELEMENTS = new Set([
  "html", "head", "meta", "title", "style", "body", "main", "header", "footer", "h1", "h2", "h3", "h4", "p", "strong", "br",
  "section", "dl", "dt", "dd", "code", "div", "span", "table", "caption", "thead", "tbody", "tr", "th", "td", "ul", "li",
  "figure", "figcaption", "svg", "desc", "text", "tspan", "line", "rect", "circle", "path",
]);
const VOID = new Set(["meta", "br"]);
/** The attributes it may carry (SVG's written self-closing shapes too: `<line .../>`). */
const ATTRIBUTES = new Set([
  "lang", "charset", "name", "content", "http-equiv", "id", "class", "scope", "role", "aria-labelledby", "viewbox", "width", "height",
  "xmlns", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "d", "text-anchor",
]);

export interface Structure {
  /** What is wrong, one line each; empty when the page is sound. */
  problems: string[];
  /** The ids of the <section> elements, in order. */
  sections: string[];
  /** How many of each element. */
  counts: Map<string, number>;
}

/** The page's structure, from its text (the text between <style> and </style> is skipped). */
export function htmlStructure(page: string): Structure {
  const problems: string[] = [];
  const sections: string[] = [];
  const counts = new Map<string, number>();
  const ids = new Set<string>();
  const stack: string[] = [];
  const text = page.replace(/<style>[^<]*<\/style>/, "<style></style>");
  if (!text.startsWith("<!doctype html>\n")) problems.push("the page does not start with <!doctype html>");
  const tag = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+(?:="[^"<>]*")?)*)\s*(\/?)>/g;
  for (const match of text.slice("<!doctype html>".length).matchAll(tag)) {
    const [, closing, rawName = "", attributes = "", selfClosing] = match;
    const name = rawName.toLowerCase();
    if (!ELEMENTS.has(name)) problems.push(`element <${name}> at ${match.index}`);
    if (closing) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> at ${match.index} closes <${open ?? "nothing"}>`);
      continue;
    }
    counts.set(name, (counts.get(name) ?? 0) + 1);
    for (const attribute of attributes.matchAll(/([\w:-]+)(?:="([^"]*)")?/g)) {
      const key = attribute[1]!.toLowerCase();
      if (!ATTRIBUTES.has(key)) problems.push(`attribute ${key} on <${name}> at ${match.index}`);
      if (key === "id") {
        if (ids.has(attribute[2]!)) problems.push(`id ${attribute[2]} twice`);
        ids.add(attribute[2]!);
        if (name === "section") sections.push(attribute[2]!);
      }
    }
    if (!VOID.has(name) && !selfClosing) stack.push(name);
  }
  // A stray "<" or ">" in text is escaped by the renderer: any left is markup that did not parse.
  const outside = text.slice("<!doctype html>".length).replace(tag, "");
  if (/[<>]/.test(outside)) problems.push(`a bare < or > in the text: ${outside.match(/.{0,30}[<>].{0,30}/)?.[0]}`);
  if (stack.length > 0) problems.push(`not closed: ${stack.join(", ")}`);
  return { problems, sections, counts };
}
