/**
 * A plan's edits applied to the files' texts: each file goes to the editor of its format, and
 * comes back as its new text, its diff, and the edits it refused (moved to "not fixed"). Pure:
 * the caller reads the files and writes them.
 */
import { sniffFormat } from '../manifests/discovery.js';
import { unifiedDiff } from './diff.js';
import { editRequirementsFile, type EditRequest, type FileEdits, type TextEdit } from './edit-requirements.js';
import { editPyprojectFile } from './edit-toml.js';
import { describeChange, type FixPlan, type NotFixed, type PlannedEdit } from './plan.js';

export interface FileResult {
  file: string;
  before: string;
  after: string;
  diff: string;
  applied: (TextEdit & { edit: PlannedEdit })[];
}

export interface Applied {
  files: FileResult[];
  /** The plan's notes, and the edits an editor refused. */
  notFixed: NotFixed[];
}

/** `read(file)`: the file's text, or an Error whose message says why it could not be read. */
export function applyPlan(plan: FixPlan, read: (file: string) => string | Error): Applied {
  const notFixed = [...plan.notFixed];
  const files: FileResult[] = [];
  const byFile = new Map<string, PlannedEdit[]>();
  for (const e of plan.edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  for (const [file, edits] of byFile) {
    const refuse = (e: PlannedEdit, reason: string): void =>
      void notFixed.push({ project: e.project, name: e.name, location: { file: e.file, line: e.line, column: e.column }, reason: `${describeChange(e.change)} not made: ${reason}`, targets: e.targets });
    const text = read(file);
    if (text instanceof Error) {
      for (const e of edits) refuse(e, text.message);
      continue;
    }
    const requests: EditRequest[] = edits.map((e) => ({ line: e.line, column: e.column, name: e.name, change: e.change }));
    const format = sniffFormat(file, text);
    let outcome: FileEdits;
    if (format === 'requirements') outcome = editRequirementsFile(text, file, requests);
    else if (format === 'pyproject' || format === 'hatch') outcome = editPyprojectFile(text, file, requests, format === 'hatch');
    else {
      for (const e of edits) refuse(e, `${file} is not a format fix edits (requirements files and pyproject.toml are); change it by hand`);
      continue;
    }
    const editOf = (r: EditRequest): PlannedEdit => edits[requests.indexOf(r)]!;
    for (const { request, reason } of outcome.refused) refuse(editOf(request), reason);
    if (outcome.applied.length === 0) continue;
    files.push({
      file,
      before: text,
      after: outcome.text,
      diff: unifiedDiff(file, text, outcome.text),
      applied: outcome.applied.map((a) => ({ ...a, edit: edits.find((e) => e.line === a.line && e.column === a.column && e.name === a.name)! })),
    });
  }
  return { files, notFixed };
}
