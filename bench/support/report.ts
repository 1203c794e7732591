// Figures and tables for the benches: medians and nearest-rank percentiles, printed as aligned text.

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (values: number[]) => percentile(values, 50);

export function fmtInt(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "–";
}

export function fmtMs(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return value >= 100 ? `${fmtInt(value)} ms` : `${value.toFixed(value >= 10 ? 1 : 2)} ms`;
}

export function fmtRatio(value: number): string {
  return Number.isFinite(value) ? `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}×` : "–";
}

/** Prints a table; `align` has one letter per column (l/r), by default the first left, the rest right. */
export function printTable(title: string, header: string[], rows: string[][], align = "l" + "r".repeat(header.length - 1)) {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (align[column] === "l" ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ")
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) console.log(line(row));
}

export function note(text: string) {
  console.log(`  ${text}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
