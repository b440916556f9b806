/**
 * Lines kept from anywhere in a child's output as it streams by, besides the tail the capture
 * keeps (`SpawnRequest.keepLines`): a line matching a mark is kept with the lines around it, in
 * bounded memory whatever the output's size. It runs where the output is read (in the spawner,
 * when there is one), so no line crosses a pipe to be looked at. Pure line handling, no I/O.
 *
 * Memory: at most the marks' `maxLines` kept lines, `before` recent ones and SCOPE_DEPTH scope
 * lines, each cut to KEPT_LINE_CHARS characters.
 */
import type { KeptLine, KeptLines, LineMarks, OutputStreamName } from "./spawn-types.ts";

/** A kept line is cut to this many characters. */
const KEPT_LINE_CHARS = 400;
/** Scope lines remembered, one per indentation. */
const SCOPE_DEPTH = 16;

export class MarkedLines {
  readonly #marks: { re: RegExp; left: number }[];
  /** Any mark: most lines match none, and are passed over with one test. */
  readonly #any: RegExp;
  readonly #scope: RegExp | null;
  readonly #before: number;
  readonly #after: number;
  #seq = 0;
  readonly #count = { stdout: 0, stderr: 0 };
  readonly #lastText = { stdout: -1, stderr: -1 };
  readonly #recent: KeptLine[] = [];
  #scopes: { indent: number; line: KeptLine }[] = [];
  readonly #kept: KeptLine[] = [];
  #afterLeft = 0;
  /** The mark whose budget the lines after it are charged to. */
  #window = 0;

  constructor(marks: LineMarks) {
    this.#marks = marks.marks.map((mark) => ({ re: new RegExp(mark.pattern), left: mark.maxLines }));
    this.#any = new RegExp(marks.marks.map((mark) => `(?:${mark.pattern})`).join("|") || "(?!)");
    this.#scope = marks.scope ? new RegExp(marks.scope) : null;
    this.#before = marks.before;
    this.#after = marks.after;
  }

  push(stream: OutputStreamName, text: string): void {
    const line: KeptLine = { seq: this.#seq++, stream, index: this.#count[stream]++, text: text.slice(0, KEPT_LINE_CHARS) };
    if (text.trim() !== "") this.#lastText[stream] = line.index;
    const mark = this.#any.test(line.text) ? this.#marks.findIndex((m) => m.left > 0 && m.re.test(line.text)) : -1;
    if (mark !== -1) {
      const lastKept = this.#kept[this.#kept.length - 1]?.seq ?? -1;
      const fresh = [...this.#scopes.map((s) => s.line), ...this.#recent].filter((l, i, all) => l.seq > lastKept && all.findIndex((o) => o.seq === l.seq) === i).sort((a, b) => a.seq - b.seq);
      for (const before of fresh) this.#keep(before, mark);
      this.#keep(line, mark);
      // A window a stronger mark (earlier in the list) opened keeps being charged to it.
      if (this.#afterLeft === 0 || mark < this.#window) this.#window = mark;
      this.#afterLeft = this.#after;
    } else if (this.#afterLeft > 0) {
      this.#afterLeft--;
      this.#keep(line, this.#window);
    }
    this.#remember(line);
  }

  result(): KeptLines {
    return { lines: [...this.#kept], lastText: { ...this.#lastText } };
  }

  #keep(line: KeptLine, mark: number): void {
    const budget = this.#marks[mark]!;
    if (budget.left <= 0) return;
    budget.left--;
    this.#kept.push(line);
  }

  #remember(line: KeptLine): void {
    this.#recent.push(line);
    if (this.#recent.length > this.#before) this.#recent.shift();
    if (!this.#scope?.test(line.text)) return;
    const indent = line.text.length - line.text.trimStart().length;
    this.#scopes = this.#scopes.filter((s) => s.indent < indent).slice(-(SCOPE_DEPTH - 1));
    this.#scopes.push({ indent, line });
  }
}
