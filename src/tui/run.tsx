/**
 * Runs the interactive audit on the process's terminal: draws the progress while `scan()` works,
 * then the report until `q`, and leaves the bottom line on the screen. Loaded only when the audit
 * runs (the CLI imports this module lazily), so plain commands never load React or ink.
 */
import { spawnSync } from 'node:child_process';
import { render } from 'ink';
import React from 'react';
import { bottomLine } from '../report/bottom-line.js';
import { scan, type ScanOptions, type ScanProgress } from '../scan/scan.js';
import type { ScanResult } from '../scan/types.js';
import { Audit, Farewell } from './audit.js';
import { lookFor } from './look.js';
import type { MeasuredMark } from './model.js';

export type AuditOutcome = { kind: 'done'; result: ScanResult } | { kind: 'interrupted' };

/** `$VISUAL` or `$EDITOR` (with its own arguments), else vi; `+LINE FILE` as vi, vim, nano and emacs read it. */
function editorCommand(env: Readonly<Record<string, string | undefined>>, file: string, line: number): [string, string[]] {
  const words = (env['VISUAL'] || env['EDITOR'] || 'vi').trim().split(/\s+/);
  return [words[0]!, [...words.slice(1), `+${line}`, file]];
}

export interface AuditRunOptions extends ScanOptions {
  version: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** What makes the report (default: `scan()` with these options); `verify` hands over its measured result. */
  produce?: (onProgress: (progress: ScanProgress) => void) => Promise<ScanResult>;
  /** `verify`'s measurements, shown beside the predictions. */
  measured?: ReadonlyMap<string, MeasuredMark>;
  measuredOn?: string;
}

export async function runAudit(options: AuditRunOptions): Promise<AuditOutcome> {
  const look = lookFor(options.env);
  const paths = options.paths ?? ['.'];
  let progress: ScanProgress | null = null;
  let result: ScanResult | null = null;
  let finish: (outcome: 'quit' | 'interrupted') => void = () => undefined;
  const finished = new Promise<'quit' | 'interrupted'>((resolve) => {
    finish = resolve;
  });

  const draw = (): React.JSX.Element => (
    <Audit
      paths={paths}
      progress={progress}
      result={result}
      summaries={result ? bottomLine(result) : []}
      look={look}
      version={options.version}
      {...(options.measured ? { measured: options.measured } : {})}
      {...(options.measuredOn ? { measuredOn: options.measuredOn } : {})}
      onQuit={() => finish('quit')}
      onInterrupt={() => finish('interrupted')}
      onEditor={(file, line) => {
        const [command, args] = editorCommand(options.env, file, line);
        process.stdin.setRawMode?.(false);
        spawnSync(command, args, { stdio: 'inherit', cwd: options.cwd });
        process.stdin.setRawMode?.(true);
        // The editor drew over the screen: ink skips a frame equal to the one it last wrote, so
        // draw a blank one first (after a frame interval), then the audit again.
        instance.clear();
        instance.rerender(<></>);
        setTimeout(() => instance.rerender(draw()), 60);
      }}
    />
  );

  // Ctrl-C is a key in raw mode: the audit handles it (exit 130, terminal restored by unmount).
  const instance = render(draw(), { exitOnCtrlC: false, patchConsole: true, maxFps: 30 });
  const { produce = (onProgress) => scan({ ...options, onProgress }) } = options;
  const scanning = produce((p) => {
    progress = p;
    instance.rerender(draw());
  }).then((r) => {
    result = r;
    instance.rerender(draw());
    return r;
  });
  const outcome = await Promise.race([finished, scanning.then(() => finished)]).catch((error: unknown) => {
    instance.unmount();
    throw error;
  });
  if (outcome === 'interrupted') {
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
    // Interrupted mid-scan: requests are still out, and waiting for them is not what Ctrl-C asks.
    // The terminal is restored (unmount), and cache entries are written whole or not at all.
    if (result === null) process.exit(130);
    return { kind: 'interrupted' };
  }
  // The last frame stays in the scrollback: make it the bottom line.
  const done = await scanning;
  instance.rerender(<Farewell summaries={bottomLine(done)} width={Math.max(20, (process.stdout.columns || 80) - 1)} />);
  instance.unmount();
  await instance.waitUntilExit().catch(() => undefined);
  return { kind: 'done', result: done };
}
