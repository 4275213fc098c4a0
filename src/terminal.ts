/**
 * Markdown as a terminal shows it: paragraphs wrapped at the terminal's width, tables aligned and
 * cut to the columns that fit, with a line naming the columns left out and the file that has them
 * all. Hand-written: the leaderboards' Markdown is a few tables and paragraphs, and a Markdown
 * renderer would bring colours and a layout of its own for no more than this.
 *
 * @module
 */

/** The width of stdout when it is a terminal; Infinity (no fitting) when it is a pipe or a file. */
export function stdoutColumns(): number {
  try {
    if (!Deno.stdout.isTerminal()) return Infinity;
    const { columns } = Deno.consoleSize();
    return columns > 0 ? columns : Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * `line` wrapped at `width` columns: continuation lines take the line's own indentation plus two
 * spaces, or the "> " of a quote. A word longer than the width stands alone on its line.
 */
export function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = line.match(/^ */)![0];
  const prefix = line.startsWith("> ") ? "> " : indent;
  const more = line.startsWith("> ") ? "> " : `${indent}  `;
  const lines: string[] = [];
  let current = "";
  for (const word of line.slice(prefix.length).split(" ")) {
    const lead = lines.length ? more : prefix;
    if (current && lead.length + current.length + 1 + word.length > width) {
      lines.push(lead + current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) lines.push((lines.length ? more : prefix) + current);
  return lines;
}

function cellsOf(row: string): string[] {
  return row.slice(1, row.endsWith("|") ? -1 : undefined).split("|").map((cell) => cell.trim());
}

/**
 * A Markdown table (its lines) aligned and cut to `width`: the leading columns that fit, then a
 * line naming the others and `fullTable`.
 */
function fitTable(rows: string[], width: number, fullTable: string): string[] {
  const cells = rows.map(cellsOf);
  const header = cells[0];
  const body = cells.slice(2);
  const widths = header.map((_, i) =>
    Math.max(3, ...[header, ...body].map((row) => (row[i] ?? "").length))
  );
  // "| a | b |": one column takes its width and 3 more.
  let kept = 0, used = 1;
  while (kept < widths.length && used + widths[kept] + 3 <= width) used += widths[kept++] + 3;
  kept = Math.max(kept, 1);
  const line = (row: string[]) =>
    `| ${widths.slice(0, kept).map((w, i) => (row[i] ?? "").padEnd(w)).join(" | ")} |`;
  const lines = [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)];
  if (kept < widths.length) {
    lines.push(
      ...wrapLine(
        `(${widths.length - kept} more columns: ${
          header.slice(kept).join(", ")
        }; the full table is in ${fullTable})`,
        width,
      ),
    );
  }
  return lines;
}

/**
 * `markdown` fitted to a terminal `width` columns wide: paragraphs wrapped, tables aligned and cut
 * to the columns that fit (a table cell is never broken), each cut table followed by a line
 * naming its other columns and `fullTable`, where they all are. An infinite `width` returns
 * `markdown` unchanged.
 */
export function fitMarkdown(markdown: string, width: number, fullTable: string): string {
  if (!Number.isFinite(width)) return markdown;
  const out: string[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith("|")) {
      out.push(...wrapLine(lines[i], width));
      continue;
    }
    const start = i;
    while (i + 1 < lines.length && lines[i + 1].startsWith("|")) i++;
    out.push(...fitTable(lines.slice(start, i + 1), width, fullTable));
  }
  return out.join("\n");
}
