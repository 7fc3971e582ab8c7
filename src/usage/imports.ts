/**
 * The imports of one Python source, read with a real Python grammar (issue 16).
 *
 * Why @lezer/python: it is the Python grammar of the CodeMirror editor, an LR parser generated from
 * a grammar file, in plain JavaScript with no native code and no WebAssembly (it loads wherever
 * Node runs, as the rest of the tool does), with an indentation-aware tokenizer, and with error
 * recovery: a file with a syntax error (Python 2's `print "x"`, a template named `.py`, a merge
 * conflict) still gives a tree in which the well-formed statements are found, and the broken parts
 * are `⚠` nodes we count. Parsing is linear in the file's length. Tree-sitter would need a native
 * or WebAssembly build; a regular expression cannot tell an import from the same words in a string
 * or a docstring. The result is checked against CPython's own `ast` module
 * (test/usage/imports-ast.test.ts).
 *
 * Pure: text in, facts out.
 */
import { parser } from '@lezer/python';
import type { SyntaxNode, TreeCursor } from '@lezer/common';

/**
 * The version of what `analysePython` returns: raise it with any change to the facts it gives for
 * a source, so that the facts cached by earlier versions (`facts-cache.ts`) are not used.
 */
export const ANALYSIS_VERSION = 1;

/** Files larger than this are not parsed (a generated module; the caller notes the skip). */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

export interface PythonImport {
  /** The dotted module as written: `a.b` for `import a.b` and `from a.b import c`; '' for `from . import x`. */
  module: string;
  /** Its first part (`a`); '' for `from . import x`. */
  top: string;
  /** 1-based line of the import statement. */
  line: number;
  /** Inside a function or method body (run when called, not when the module loads). */
  inFunction: boolean;
  /**
   * Inside the body of a `try` one of whose handlers catches ImportError, ModuleNotFoundError,
   * Exception or BaseException, or is a bare `except:`: the code runs without it.
   */
  optional: boolean;
  /** `from . import x`, `from .m import y`: the project's own code, never a distribution. */
  relative: boolean;
}

export interface PythonDecorator {
  /** The dotted name before any arguments: `shared_task`, `app.task`, `dramatiq.actor`. */
  name: string;
  line: number;
}

export interface PythonFacts {
  imports: PythonImport[];
  decorators: PythonDecorator[];
  /** An `if __name__ == "__main__":` at the top level. */
  mainGuard: boolean;
  /** Error nodes in the tree: the file has syntax errors (Python 2, a template); what parsed is still read. */
  syntaxErrors: number;
  /** Line of the first error node, or null. */
  firstErrorLine: number | null;
  /** Line of the first Python 2 `print` statement (the grammar accepts it; Python 3 does not), or null. */
  python2Line: number | null;
}

/** Exception names whose handler takes a failing import: the import is optional at run time. */
const CATCHES_IMPORT = new Set(['ImportError', 'ModuleNotFoundError', 'Exception', 'BaseException']);

/** Line starts, for offset → line by binary search. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) starts.push(i + 1);
    else if (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a) starts.push(i + 1);
  }
  return starts;
}

function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** The last name of an exception expression: `ImportError`, `builtins.ImportError` → ImportError. */
function exceptionNames(node: SyntaxNode, text: string): string[] {
  if (node.name === 'VariableName') return [text.slice(node.from, node.to)];
  if (node.name === 'MemberExpression') {
    const last = node.lastChild;
    return last && (last.name === 'PropertyName' || last.name === 'VariableName') ? [text.slice(last.from, last.to)] : [];
  }
  if (node.name === 'TupleExpression' || node.name === 'ParenthesizedExpression') {
    const out: string[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) out.push(...exceptionNames(c, text));
    return out;
  }
  return [];
}

/** Whether a `try` statement has a handler that an ImportError reaches. */
function catchesImportError(tryNode: SyntaxNode, text: string): boolean {
  for (let c = tryNode.firstChild; c; c = c.nextSibling) {
    if (c.name !== 'except') continue;
    const types: SyntaxNode[] = [];
    let n = c.nextSibling;
    while (n && n.name !== 'Body' && n.name !== 'as') {
      if (n.name !== '*') types.push(n);
      n = n.nextSibling;
    }
    if (types.length === 0) return true; // bare `except:`
    if (types.some((t) => exceptionNames(t, text).some((name) => CATCHES_IMPORT.has(name)))) return true;
  }
  return false;
}

/** The body of the `try` clause itself (not a handler's, `else`'s or `finally`'s). */
function isTryBody(node: SyntaxNode): boolean {
  return node.name === 'Body' && node.parent?.name === 'TryStatement' && node.prevSibling?.name === 'try';
}

/** The modules one import statement names: `import a.b as c, d` → a.b, d; `from ..x import y` → (x, level 2). */
function statementModules(node: SyntaxNode, text: string): { module: string; relative: boolean }[] {
  const first = node.firstChild;
  if (!first) return [];
  if (first.name === 'from') {
    let level = 0;
    const parts: string[] = [];
    for (let c = first.nextSibling; c && c.name !== 'import'; c = c.nextSibling) {
      if (c.name === '.') level += parts.length === 0 ? 1 : 0;
      else if (c.name === 'Ellipsis') level += 3;
      else if (c.name === 'VariableName') parts.push(text.slice(c.from, c.to));
      else if (c.type.isError) return [];
    }
    if (level === 0 && parts.length === 0) return [];
    return [{ module: parts.join('.'), relative: level > 0 }];
  }
  if (first.name !== 'import') return [];
  const out: { module: string; relative: boolean }[] = [];
  let parts: string[] = [];
  let alias = false;
  const end = (): void => {
    if (parts.length > 0) out.push({ module: parts.join('.'), relative: false });
    parts = [];
    alias = false;
  };
  for (let c = first.nextSibling; c; c = c.nextSibling) {
    if (c.name === ',') end();
    else if (c.name === 'as') alias = true;
    else if (c.name === 'VariableName' && !alias) parts.push(text.slice(c.from, c.to));
  }
  end();
  return out;
}

function decoratorName(node: SyntaxNode, text: string): string {
  const parts: string[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name === 'VariableName' || c.name === 'PropertyName') parts.push(text.slice(c.from, c.to));
    else if (c.name === 'MemberExpression') parts.push(text.slice(c.from, c.to).replace(/\s+/g, ''));
    else if (c.name === 'ArgList' || c.name === 'CallExpression') break;
  }
  return parts.join('.');
}

/** `if __name__ == "__main__":` (either side). */
function isMainGuard(node: SyntaxNode, text: string): boolean {
  const condition = node.firstChild?.nextSibling;
  if (!condition || condition.name !== 'BinaryExpression') return false;
  let name = false;
  let main = false;
  let equals = false;
  for (let c = condition.firstChild; c; c = c.nextSibling) {
    const t = text.slice(c.from, c.to);
    if (c.name === 'VariableName' && t === '__name__') name = true;
    else if (c.name === 'String' && /^(['"])__main__\1$/.test(t)) main = true;
    else if (c.name === 'CompareOp' && t === '==') equals = true;
  }
  return name && main && equals;
}

/**
 * Parse `text` and collect its imports, decorators and main guard, in one walk of the tree. Imports
 * inside functions, classes, `if TYPE_CHECKING:` blocks and `try` blocks are all collected (as
 * Python's `ast.walk` sees them); strings and comments are never read as code.
 */
export function analysePython(text: string): PythonFacts {
  const tree = parser.parse(text);
  const starts = lineStarts(text);
  const facts: PythonFacts = { imports: [], decorators: [], mainGuard: false, syntaxErrors: 0, firstErrorLine: null, python2Line: null };
  let functionDepth = 0;
  let optionalDepth = 0;
  /** For each Body entered, whether it raised optionalDepth (popped on leave). */
  const optionalBodies: boolean[] = [];
  const cursor: TreeCursor = tree.cursor();
  for (;;) {
    // enter
    const type = cursor.type;
    if (type.isError) {
      facts.syntaxErrors++;
      if (facts.firstErrorLine === null) facts.firstErrorLine = lineAt(starts, cursor.from);
    } else {
      switch (type.name) {
        case 'ImportStatement': {
          const node = cursor.node;
          const line = lineAt(starts, cursor.from);
          for (const { module, relative } of statementModules(node, text)) {
            facts.imports.push({ module, top: module.split('.')[0] ?? '', line, inFunction: functionDepth > 0, optional: optionalDepth > 0, relative });
          }
          break;
        }
        case 'FunctionDefinition':
          functionDepth++;
          break;
        case 'Body': {
          const node = cursor.node;
          const raises = isTryBody(node) && catchesImportError(node.parent!, text);
          optionalBodies.push(raises);
          if (raises) optionalDepth++;
          break;
        }
        case 'PrintStatement':
          facts.python2Line ??= lineAt(starts, cursor.from);
          break;
        case 'Decorator':
          facts.decorators.push({ name: decoratorName(cursor.node, text), line: lineAt(starts, cursor.from) });
          break;
        case 'IfStatement':
          if (cursor.node.parent?.name === 'Script' && isMainGuard(cursor.node, text)) facts.mainGuard = true;
          break;
        default:
          break;
      }
    }
    if (cursor.firstChild()) continue;
    // leave this node and every ancestor that has no next sibling
    for (;;) {
      leave(cursor.type.name);
      if (cursor.nextSibling()) break;
      if (!cursor.parent()) return facts;
    }
  }

  function leave(name: string): void {
    if (name === 'FunctionDefinition') functionDepth--;
    else if (name === 'Body' && optionalBodies.pop()) optionalDepth--;
  }
}

/** The distinct top-level names of the absolute imports, sorted: what the `ast` check compares. */
export function importedTopNames(facts: PythonFacts): string[] {
  return [...new Set(facts.imports.filter((i) => !i.relative && i.top !== '').map((i) => i.top))].sort();
}
