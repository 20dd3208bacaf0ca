export function ensureBuilt(options: {
  root: string;
  mode: string;
  variable: string;
  log: (message: string) => void;
}): void;
