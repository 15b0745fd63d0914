// Plain-text tables for the terminal: a header row and columns padded to their widest cell, so a
// long model id or category name pushes its column wider instead of breaking the alignment. The last
// column is not padded (paths run to the end of the line).

/** The rows under the header, one line each, columns two spaces apart. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `${l}\n`).join('');
}
