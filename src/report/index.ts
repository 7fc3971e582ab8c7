/**
 * The report formats, one renderer module each, behind one interface: a `ScanResult` in, the
 * whole text of the report out. None of them decides a verdict. The CLI looks formats up here,
 * so a new renderer joins with one line.
 */
import type { ScanResult } from '../scan/types.js';
import { renderGithub } from './github.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';

export interface RenderContext {
  /** Colour escapes allowed (a terminal that shows colour, and no file). */
  color: boolean;
  /** Evidence for packages that are fine too. */
  verbose: boolean;
  /** Columns to wrap the text report at. */
  width: number;
  /** PR mode: `file:line` keys of the manifest lines the change touched (annotations rank them first). */
  changedLines?: ReadonlySet<string>;
}

export type Renderer = (result: ScanResult, context: RenderContext) => string;

export const RENDERERS = {
  text: (result, context) => renderText(result, context),
  json: (result) => renderJson(result),
  sarif: (result, context) => renderSarif(result, context),
  markdown: (result, context) => renderMarkdown(result, context),
  github: (result, context) => renderGithub(result, context),
  html: (result, context) => renderHtml(result, context),
} satisfies Record<string, Renderer>;

export type ReportFormat = keyof typeof RENDERERS;

export const REPORT_FORMATS = Object.keys(RENDERERS) as ReportFormat[];

export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(RENDERERS, name);
}
