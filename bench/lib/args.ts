import { parseArgs } from 'node:util';

/**
 * The command line of a benchmark, declared once: the same list parses the arguments, types the values
 * and writes the `--help` text. A value comes from the option, else from the first environment variable
 * in `env` that is set, else from `default`.
 */
interface Common {
  /** What the option does; a `\n` continues the text on the next line, under the first. */
  help: string;
  /** Placeholder for the value in the help text (`N`, `LIST`, `URL`…). */
  value?: string;
  /** Environment variables read when the option is not given, the first one set winning. */
  env?: string | readonly string[];
  /** The default as the help text names it, when it is not a literal (`signaling-<nodes>node`). */
  defaultText?: string;
}

interface NumberBounds {
  min?: number;
  integer?: boolean;
}

export interface NumberOption extends Common, NumberBounds {
  type: 'number';
  default?: number;
  choices?: readonly number[];
}

/** Comma-separated numbers (`100,500,1000`). */
export interface NumbersOption extends Common, NumberBounds {
  type: 'numbers';
  default?: readonly number[];
}

export interface StringOption extends Common {
  type: 'string';
  default?: string;
  choices?: readonly string[];
}

/** A flag: false unless given; it takes no value and reads no environment. */
export interface BooleanOption {
  type: 'boolean';
  help: string;
}

export type OptionSpec = NumberOption | NumbersOption | StringOption | BooleanOption;

export interface CommandSpec<O extends Record<string, OptionSpec>> {
  /** Names the benchmark in error messages (`bench:signaling`). */
  name: string;
  /** The first line of the help text (`npm run bench:signaling -- [options]`). */
  usage: string;
  options: O;
  /** Printed after the options in the help text. */
  notes?: string;
}

type ValueOf<S extends OptionSpec> = S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'numbers' }
    ? number[]
    : S extends { choices: readonly (infer C)[] }
      ? C
      : S extends { type: 'number' }
        ? number
        : string;

export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K] extends { type: 'boolean' } | { default: unknown }
    ? ValueOf<O[K]>
    : ValueOf<O[K]> | undefined;
};

/** A command line that cannot be run: one line for the person who typed it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const HELP_COLUMN_MIN = 22;
const HELP_WIDTH = 110;

function envNames(spec: OptionSpec): readonly string[] {
  if (spec.type === 'boolean' || spec.env === undefined) return [];
  return typeof spec.env === 'string' ? [spec.env] : spec.env;
}

function placeholder(spec: OptionSpec): string {
  if (spec.type === 'boolean') return '';
  if (spec.value) return spec.value;
  if (spec.type !== 'numbers' && spec.choices) return spec.choices.join('|');
  return spec.type === 'string' ? 'TEXT' : spec.type === 'numbers' ? 'LIST' : 'N';
}

function defaultText(spec: OptionSpec): string | null {
  if (spec.type === 'boolean') return null;
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.default === undefined) return null;
  return Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
}

/**
 * The `--help` text: the usage line, one entry per option (with its default and the environment variables
 * read when it is absent, first set first), the notes.
 */
export function usageText<O extends Record<string, OptionSpec>>(command: CommandSpec<O>): string {
  const entries = Object.entries(command.options).map(([name, spec]) => {
    const value = placeholder(spec);
    const fallback = defaultText(spec);
    const variables = envNames(spec);
    const sources = [
      ...(fallback === null ? [] : [`default ${fallback}`]),
      ...(variables.length > 0 ? [`env ${variables.join(', ')}`] : []),
    ];
    return {
      left: `--${name}${value ? ` ${value}` : ''}`,
      lines: spec.help.split('\n').map((line) => line.trim()),
      sources: sources.length > 0 ? `(${sources.join('; ')})` : '',
    };
  });
  entries.push({ left: '--help, -h', lines: ['this text'], sources: '' });
  const column = Math.max(HELP_COLUMN_MIN, ...entries.map((e) => e.left.length + 2));
  const body = entries.flatMap(({ left, lines, sources }) => {
    const text = [...lines];
    const last = text.length - 1;
    // The default and variables end the help text, or go on a line of their own when it would run long.
    if (sources && 2 + column + (text[last] ?? '').length + 1 + sources.length <= HELP_WIDTH) {
      text[last] = `${text[last]} ${sources}`;
    } else if (sources) text.push(sources);
    return text.map((line, i) => `  ${(i === 0 ? left : '').padEnd(column)}${line}`);
  });
  return [`usage: ${command.usage}`, '', ...body, ...(command.notes ? ['', command.notes] : [])].join('\n');
}

function parseNumber(text: string, what: string, spec: NumberBounds): number {
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n)) throw new UsageError(`${what} must be a number (got "${text}")`);
  if (spec.integer && !Number.isInteger(n))
    throw new UsageError(`${what} must be a whole number (got "${text}")`);
  if (spec.min !== undefined && n < spec.min)
    throw new UsageError(`${what} must be at least ${spec.min} (got "${text}")`);
  return n;
}

function convert(spec: Exclude<OptionSpec, BooleanOption>, text: string, what: string): unknown {
  const value =
    spec.type === 'string'
      ? text
      : spec.type === 'number'
        ? parseNumber(text, what, spec)
        : text
            .split(',')
            .filter((part) => part.trim() !== '')
            .map((part) => parseNumber(part, `each of ${what}`, spec));
  const choices: readonly unknown[] | undefined = spec.type === 'numbers' ? undefined : spec.choices;
  if (choices && !choices.includes(value)) {
    throw new UsageError(`${what} is ${choices.join(' or ')} (got "${text}")`);
  }
  return value;
}

/**
 * Parses `argv` against the declared options: throws `UsageError` for an unknown option, a positional
 * argument, a missing or unexpected value, a malformed number or a value outside the choices. `help` is
 * true when `--help` or `-h` was given (nothing else is checked then).
 */
export function parseCommandLine<O extends Record<string, OptionSpec>>(
  command: CommandSpec<O>,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): { help: boolean; values: OptionValues<O> } {
  const specs: Record<string, OptionSpec> = command.options;
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(specs)) {
    config[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string' };
  }
  const { tokens } = parseArgs({ args: [...argv], options: config, strict: false, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) {
    return { help: true, values: {} as OptionValues<O> };
  }
  const given = new Map<string, string | true>();
  for (const token of tokens) {
    if (token.kind === 'positional') throw new UsageError(`unexpected argument "${token.value}"`);
    if (token.kind !== 'option') continue;
    const spec = specs[token.name];
    if (!spec) throw new UsageError(`unknown option ${token.rawName}`);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
      given.set(token.name, true);
    } else {
      // `--label --runs 5`: the next option is not this one's value (`--label=--runs` would be).
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
        throw new UsageError(`${token.rawName} needs a value`);
      }
      given.set(token.name, token.value);
    }
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const option = given.get(name);
    if (spec.type === 'boolean') {
      values[name] = option === true;
      continue;
    }
    if (typeof option === 'string') {
      values[name] = convert(spec, option, `--${name}`);
      continue;
    }
    const variable = envNames(spec).find((v) => env[v] !== undefined);
    const fromEnv = variable === undefined ? undefined : env[variable];
    if (fromEnv !== undefined) {
      values[name] = convert(spec, fromEnv, `${variable} (for --${name})`);
    } else {
      values[name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    }
  }
  return { help: false, values: values as OptionValues<O> };
}

/** Prints a usage error as one line and exits 2, as the parser does: for checks a benchmark makes itself. */
export function exitWithUsageError(name: string, message: string): never {
  process.stderr.write(`${name}: ${message} (--help lists the options)\n`);
  process.exit(2);
}

/**
 * The values of `process.argv`, typed from the declaration. `--help` prints the usage and exits 0; a
 * command line the parser rejects prints one line and exits 2.
 */
export function parseOptions<const O extends Record<string, OptionSpec>>(
  command: CommandSpec<O>,
  argv: readonly string[] = process.argv.slice(2),
): OptionValues<O> {
  try {
    const { help, values } = parseCommandLine(command, argv);
    if (help) {
      process.stdout.write(`${usageText(command)}\n`);
      process.exit(0);
    }
    return values;
  } catch (error) {
    if (error instanceof UsageError) exitWithUsageError(command.name, error.message);
    throw error;
  }
}
