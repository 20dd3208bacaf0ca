import type { ChildProcess } from 'node:child_process';

export function networkInterfaces(): string[];
export function loopbackOnly(): boolean;
export function forwardSignals(child: ChildProcess): void;
export function exitLike(child: ChildProcess, log: (message: string) => void): void;
export function enterLoopbackNamespace(options: {
  argv: readonly string[];
  marker: string;
  cannotRun: (reason: string) => never;
  log: (message: string) => void;
}): boolean;
