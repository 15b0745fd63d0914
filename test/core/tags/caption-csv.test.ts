// Captions from a spreadsheet's CSV: quoting as RFC 4180 has it, Excel's byte-order mark and line
// endings, an optional header, and every malformed row named by its line.

import { describe, expect, it } from 'vitest';
import { parseCaptionCsv } from '../../../electron/core/tags/caption-csv.js';

describe('parseCaptionCsv', () => {
  it('reads rows, skipping a header and blank lines', () => {
    const csv = 'path,caption\nbeach.jpg,Kids on the beach\n\ngarden/rose.jpg,A red rose\n';
    expect(parseCaptionCsv(csv)).toEqual({
      rows: [
        { line: 2, path: 'beach.jpg', caption: 'Kids on the beach' },
        { line: 4, path: 'garden/rose.jpg', caption: 'A red rose' },
      ],
      errors: [],
    });
  });

  it('takes quoted fields with commas, doubled quotes and line breaks, CRLF and a BOM', () => {
    const csv =
      '\uFEFF"IMG, 2019.jpg","Rex, asleep"\r\nb.jpg,"She said ""cheese"""\r\nc.jpg,"two\nlines"\r\nd.jpg,""\r\n';
    expect(parseCaptionCsv(csv)).toEqual({
      rows: [
        { line: 1, path: 'IMG, 2019.jpg', caption: 'Rex, asleep' },
        { line: 2, path: 'b.jpg', caption: 'She said "cheese"' },
        { line: 3, path: 'c.jpg', caption: 'two\nlines' },
        // An empty caption is a row: it removes the photo's caption.
        { line: 5, path: 'd.jpg', caption: '' },
      ],
      errors: [],
    });
  });

  it('names each malformed row by its line', () => {
    const { rows, errors } = parseCaptionCsv('a.jpg,Rex, asleep\nb.jpg\n,no path\nc.jpg,fine\n');
    expect(rows).toEqual([{ line: 4, path: 'c.jpg', caption: 'fine' }]);
    expect(errors).toEqual([
      'line 1: expected path,caption but found 3 fields (put a caption with commas in "quotes")',
      'line 2: expected path,caption but found 1 field (put a caption with commas in "quotes")',
      'line 3: no path',
    ]);
    expect(parseCaptionCsv('a.jpg,ok\nb.jpg,"never closed\n').errors).toEqual([
      'line 2: a quote is never closed',
    ]);
  });
});
