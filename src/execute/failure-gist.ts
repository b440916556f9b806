/** The telling lines of a failing command's output: error lines first, else the last lines. */
export function failureGist(tail: string): string {
  const lines = tail.replace(/\u001b\[[0-9;?]*[ -\/]*[@-~]/g, "").split("\n").map((line) => line.trim()).filter((line) => line && !/^Node\.js v\d/.test(line) && !/^at /.test(line));
  const headline =
    lines.find((line) => /^[A-Za-z.]*(Error|Exception)\b/.test(line)) ?? lines.find((line) => /[A-Za-z]*(Error|Exception)\b|\bFAIL|\bpanic|\bnot ok\b/.test(line));
  const telling = headline ?? lines.find((line) => /error|assert|fail|expected/i.test(line));
  return telling ?? (lines.slice(-2).join(" | ") || "no output");
}
