/**
 * Printable PDF documents (work-order forms, certificates) with Chinese text.
 *
 * pdfkit lays out the pages; the CJK font is Noto Sans SC from the
 * `@expo-google-fonts/noto-sans-sc` npm package (static TrueType, SIL Open
 * Font License), so a fresh machine needs no system fonts. pdfkit embeds only
 * the glyphs a document uses (a form is tens of kilobytes, not 10 MB).
 *
 * The builder is deliberately small: a title, sections, label/value grids,
 * bordered tables that break across pages, paragraphs and wet-signature
 * lines, with "第 n 页 共 m 页" footers.
 */
import PDFDocument from 'pdfkit';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let fonts: { regular: Buffer; bold: Buffer } | null = null;

/** The CJK fonts, read once per process. */
function cjkFonts(): { regular: Buffer; bold: Buffer } {
  fonts ??= {
    regular: readFileSync(require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf')),
    bold: readFileSync(require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf')),
  };
  return fonts;
}

const REGULAR = 'cjk';
const BOLD = 'cjk-bold';
const MARGIN = 50;
const BODY_SIZE = 10;
const LINE_GAP = 2;
const CELL_PAD = 4;
const BORDER = '#444444';
const LABEL_FILL = '#f2f2f2';

/** A column of {@link PdfBuilder.table}: its header and its share of the page width. */
export interface PdfColumn {
  header: string;
  /** Relative width; the columns' weights are scaled to the page width. */
  weight: number;
}

/** Document facts written into the PDF's information dictionary. */
export interface PdfMeta {
  title: string;
  subject?: string | undefined;
  /** The generation instant: the document's creation date (passed in; no hidden clock). */
  createdAt: Date;
  /** Footer text on every page, left of the page number. */
  footer?: string | undefined;
  /** Plain-ASCII keywords (e.g. the record's number), searchable in the file without text extraction. */
  keywords?: string | undefined;
}

/** A PDF being built. Every method draws at the current position and moves down. */
export interface PdfBuilder {
  /** The document title, centred. */
  title(text: string, subtitle?: string): void;
  /** A section heading. */
  section(text: string): void;
  /** A label/value grid with `columns` pairs per row; long values wrap. */
  fields(rows: readonly (readonly [string, string])[], columns?: 1 | 2): void;
  /** A bordered table; rows that do not fit move to the next page with the header repeated. */
  table(columns: readonly PdfColumn[], rows: readonly (readonly string[])[]): void;
  /** Wrapped text. */
  paragraph(text: string, opts?: { size?: number; color?: string }): void;
  /** Lines for wet signatures: "label（签字）：________  日期：______". */
  signatureLines(labels: readonly string[]): void;
  /** Vertical space in points. */
  space(points: number): void;
  /** Finish: footers with page numbers, then the bytes. */
  finish(): Promise<Buffer>;
}

/** Start a PDF document (A4 portrait). */
export function createPdf(meta: PdfMeta): PdfBuilder {
  const f = cjkFonts();
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN + 20, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: { Title: meta.title, Subject: meta.subject ?? meta.title, Keywords: meta.keywords ?? '', Creator: '运维 Yunwei', Producer: '运维 Yunwei', CreationDate: meta.createdAt, ModDate: meta.createdAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  doc.registerFont(REGULAR, f.regular);
  doc.registerFont(BOLD, f.bold);
  doc.font(REGULAR).fontSize(BODY_SIZE);

  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottom = (): number => doc.page.height - doc.page.margins.bottom;

  const ensure = (height: number): void => {
    if (doc.y + height > bottom()) doc.addPage();
  };

  const textHeight = (text: string, w: number, font: string, size: number): number => {
    doc.font(font).fontSize(size);
    return doc.heightOfString(text || ' ', { width: w - 2 * CELL_PAD, lineGap: LINE_GAP }) + 2 * CELL_PAD;
  };

  const cell = (text: string, x: number, y: number, w: number, h: number, opts: { font?: string; fill?: string } = {}): void => {
    if (opts.fill) doc.rect(x, y, w, h).fillColor(opts.fill).fill();
    doc.rect(x, y, w, h).lineWidth(0.6).strokeColor(BORDER).stroke();
    doc.fillColor('#000000').font(opts.font ?? REGULAR).fontSize(BODY_SIZE).text(text || ' ', x + CELL_PAD, y + CELL_PAD, { width: w - 2 * CELL_PAD, lineGap: LINE_GAP });
  };

  /** Draw one row of cells at doc.y, breaking the page first if it does not fit. */
  const row = (cells: readonly { text: string; w: number; font?: string; fill?: string }[], beforeBreak?: () => void): void => {
    const h = Math.max(...cells.map((c) => textHeight(c.text, c.w, c.font ?? REGULAR, BODY_SIZE)));
    if (doc.y + h > bottom()) {
      doc.addPage();
      beforeBreak?.();
    }
    const y = doc.y;
    let x = left;
    for (const c of cells) {
      cell(c.text, x, y, c.w, h, c);
      x += c.w;
    }
    doc.x = left;
    doc.y = y + h;
  };

  return {
    title(text, subtitle) {
      doc.font(BOLD).fontSize(18).fillColor('#000000').text(text, left, doc.y, { width, align: 'center' });
      if (subtitle) doc.font(REGULAR).fontSize(BODY_SIZE).fillColor('#333333').text(subtitle, left, doc.y + 4, { width, align: 'center' });
      doc.fillColor('#000000').font(REGULAR).fontSize(BODY_SIZE);
      doc.y += 10;
    },
    section(text) {
      ensure(40);
      doc.y += 8;
      doc.font(BOLD).fontSize(12).fillColor('#000000').text(text, left, doc.y, { width });
      doc.moveTo(left, doc.y + 2).lineTo(left + width, doc.y + 2).lineWidth(0.8).strokeColor(BORDER).stroke();
      doc.y += 6;
      doc.font(REGULAR).fontSize(BODY_SIZE);
    },
    fields(rows, columns = 2) {
      const labelW = columns === 2 ? width * 0.16 : width * 0.2;
      const valueW = columns === 2 ? width / 2 - labelW : width - labelW;
      for (let i = 0; i < rows.length; i += columns) {
        const pair = rows.slice(i, i + columns);
        const cells = pair.flatMap(([label, value], j) => {
          const lastAlone = columns === 2 && pair.length === 1 && j === 0;
          return [
            { text: label, w: labelW, font: BOLD, fill: LABEL_FILL },
            { text: value, w: lastAlone ? width - labelW : valueW },
          ];
        });
        row(cells);
      }
    },
    table(columns, rows) {
      const total = columns.reduce((s, c) => s + c.weight, 0);
      const widths = columns.map((c) => (width * c.weight) / total);
      const header = (): void => row(columns.map((c, i) => ({ text: c.header, w: widths[i] ?? 0, font: BOLD, fill: LABEL_FILL })));
      ensure(60);
      header();
      for (const r of rows) row(widths.map((w, i) => ({ text: r[i] ?? '', w })), header);
    },
    paragraph(text, opts = {}) {
      doc.font(REGULAR).fontSize(opts.size ?? BODY_SIZE).fillColor(opts.color ?? '#000000');
      // long text flows onto further pages by itself; only avoid starting on the last line of a page
      ensure(20);
      doc.text(text || ' ', left, doc.y, { width, lineGap: LINE_GAP });
      doc.fillColor('#000000').fontSize(BODY_SIZE);
    },
    signatureLines(labels) {
      for (const label of labels) {
        ensure(34);
        doc.y += 14;
        const y = doc.y;
        doc.font(REGULAR).fontSize(BODY_SIZE).fillColor('#000000');
        const lead = `${label}（签字）：`;
        doc.text(lead, left, y, { lineBreak: false });
        const x1 = left + doc.widthOfString(lead);
        const lineEnd = left + width * 0.62;
        doc.moveTo(x1, y + 12).lineTo(lineEnd, y + 12).lineWidth(0.6).strokeColor(BORDER).stroke();
        const dateLabel = '日期：';
        doc.text(dateLabel, lineEnd + 12, y, { lineBreak: false });
        const x2 = lineEnd + 12 + doc.widthOfString(dateLabel);
        doc.moveTo(x2, y + 12).lineTo(left + width, y + 12).stroke();
        doc.x = left;
        doc.y = y + 16;
      }
    },
    space(points) {
      doc.y += points;
    },
    async finish() {
      const range = doc.bufferedPageRange();
      for (let i = range.start; i < range.start + range.count; i++) {
        doc.switchToPage(i);
        const y = doc.page.height - MARGIN;
        // writing inside the bottom margin must not start a new page
        const savedBottom = doc.page.margins.bottom;
        doc.page.margins.bottom = 0;
        doc.font(REGULAR).fontSize(8).fillColor('#666666');
        if (meta.footer) doc.text(meta.footer, left, y, { width: width * 0.75, lineBreak: false });
        doc.text(`第 ${i - range.start + 1} 页 共 ${range.count} 页`, left, y, { width, align: 'right', lineBreak: false });
        doc.page.margins.bottom = savedBottom;
      }
      doc.end();
      await ended;
      return Buffer.concat(chunks);
    },
  };
}
