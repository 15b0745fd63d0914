// Reads captions written in a spreadsheet: CSV rows of path,caption (RFC 4180: a field with commas,
// quotes or line breaks is quoted, a quote inside one doubled). A first row "path,caption" is a header,
// blank lines are skipped, a byte-order mark (Excel's UTF-8 export) is dropped. Every malformed row is
// reported with its line, so a file is taken whole or not at all.

export interface CaptionRow {
  /** The line the row starts on, counting from 1. */
  line: number;
  path: string;
  /** An empty caption removes the photo's caption. */
  caption: string;
}

export interface CaptionCsv {
  rows: CaptionRow[];
  errors: string[];
}

/** Splits CSV text into records of fields, each with the line it starts on. */
function records(text: string): { line: number; fields: string[]; error?: string }[] {
  const out: { line: number; fields: string[]; error?: string }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  let line = 1;
  let start = 1;
  const endRecord = (): void => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '' || wasQuoted) out.push({ line: start, fields });
    fields = [];
    field = '';
    wasQuoted = false;
    start = line;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      line++;
      endRecord();
    } else field += c;
  }
  if (quoted) {
    out.push({ line: start, fields: [], error: `line ${start}: a quote is never closed` });
    return out;
  }
  endRecord();
  return out;
}

export function parseCaptionCsv(text: string): CaptionCsv {
  const all = records(text.replace(/^\uFEFF/, ''));
  const first = all[0]?.fields.map((f) => f.trim().toLowerCase());
  const body = first?.[0] === 'path' && first[1] === 'caption' ? all.slice(1) : all;
  const rows: CaptionRow[] = [];
  const errors: string[] = [];
  for (const r of body) {
    if (r.error) errors.push(r.error);
    else if (r.fields.length !== 2)
      errors.push(
        `line ${r.line}: expected path,caption but found ${r.fields.length} field${r.fields.length === 1 ? '' : 's'} (put a caption with commas in "quotes")`,
      );
    else {
      const [path = '', caption = ''] = r.fields;
      if (!path.trim()) errors.push(`line ${r.line}: no path`);
      else rows.push({ line: r.line, path: path.trim(), caption });
    }
  }
  return { rows, errors };
}
