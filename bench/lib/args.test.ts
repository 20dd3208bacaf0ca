import { describe, expect, it } from 'vitest';
import { type CommandSpec, type OptionSpec, parseCommandLine, UsageError, usageText } from './args.js';

const command = {
  name: 'bench:test',
  usage: 'npm run bench:test -- [options]',
  options: {
    runs: { type: 'number', default: 10, integer: true, min: 1, help: 'measured runs' },
    ramp: { type: 'number', default: 25, env: 'BENCH_RAMP_S', value: 'S', help: 'ramp\nover S seconds' },
    steps: { type: 'numbers', default: [100, 500], env: 'BENCH_STEPS', help: 'calls per step' },
    nodes: { type: 'number', default: 1, choices: [1, 2], help: 'nodes' },
    entry: { type: 'string', default: 'source', choices: ['source', 'built'], help: 'what runs' },
    postgres: {
      type: 'string',
      default: 'postgres://db',
      env: ['BENCH_POSTGRES', 'DATABASE_URL_TEST'],
      value: 'URL',
      help: 'database',
    },
    label: { type: 'string', help: 'a note' },
    'cpu-prof': { type: 'boolean', help: 'profile' },
  },
  notes: 'Notes last.',
} as const satisfies CommandSpec<Record<string, OptionSpec>>;

const parse = (argv: string[], env: Record<string, string> = {}) => parseCommandLine(command, argv, env);
const rejects = (argv: string[], env: Record<string, string> = {}) => {
  try {
    parse(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
};

describe('parseCommandLine', () => {
  it('gives the defaults, typed, when nothing is given', () => {
    expect(parse([]).values).toEqual({
      runs: 10,
      ramp: 25,
      steps: [100, 500],
      nodes: 1,
      entry: 'source',
      postgres: 'postgres://db',
      label: undefined,
      'cpu-prof': false,
    });
  });

  it('takes options before variables before defaults, the first variable set winning', () => {
    const env = { BENCH_RAMP_S: '5', DATABASE_URL_TEST: 'postgres://test', BENCH_STEPS: '1,2,3' };
    expect(parse([], env).values).toMatchObject({ ramp: 5, steps: [1, 2, 3], postgres: 'postgres://test' });
    const given = parse(['--ramp', '0', '--postgres=postgres://x', '--cpu-prof', '--label', 'after X'], env);
    expect(given.values).toMatchObject({
      ramp: 0,
      postgres: 'postgres://x',
      'cpu-prof': true,
      label: 'after X',
    });
  });

  it('rejects a malformed number, naming the option or the variable', () => {
    expect(rejects(['--runs', '10x'])).toBe('--runs must be a number (got "10x")');
    expect(rejects(['--runs', ''])).toBe('--runs must be a number (got "")');
    expect(rejects(['--runs', '1.5'])).toBe('--runs must be a whole number (got "1.5")');
    expect(rejects(['--runs', '0'])).toBe('--runs must be at least 1 (got "0")');
    expect(rejects(['--steps', '100,abc'])).toBe('each of --steps must be a number (got "abc")');
    expect(rejects([], { BENCH_RAMP_S: 'soon' })).toBe(
      'BENCH_RAMP_S (for --ramp) must be a number (got "soon")',
    );
  });

  it('rejects unknown options, stray arguments, missing and unexpected values, and values outside the choices', () => {
    expect(rejects(['--rounds', '3'])).toBe('unknown option --rounds');
    expect(rejects(['-x'])).toBe('unknown option -x');
    expect(rejects(['extra'])).toBe('unexpected argument "extra"');
    expect(rejects(['--runs'])).toBe('--runs needs a value');
    expect(rejects(['--label', '--runs', '5'])).toBe('--label needs a value');
    expect(parse(['--label=--runs']).values.label).toBe('--runs');
    expect(rejects(['--cpu-prof=yes'])).toBe('--cpu-prof takes no value');
    expect(rejects(['--entry', 'dist'])).toBe('--entry is source or built (got "dist")');
    expect(rejects(['--nodes', '3'])).toBe('--nodes is 1 or 2 (got "3")');
  });

  it('reports --help and -h without checking the rest', () => {
    expect(parse(['--runs', 'x', '--help']).help).toBe(true);
    expect(parse(['-h']).help).toBe(true);
    expect(parse([]).help).toBe(false);
  });
});

describe('usageText', () => {
  it('lists every option with its value, help, default and variables, then the notes', () => {
    const text = usageText(command);
    expect(text.split('\n')).toEqual([
      'usage: npm run bench:test -- [options]',
      '',
      '  --runs N              measured runs (default 10)',
      '  --ramp S              ramp',
      '                        over S seconds (default 25; env BENCH_RAMP_S)',
      '  --steps LIST          calls per step (default 100,500; env BENCH_STEPS)',
      '  --nodes 1|2           nodes (default 1)',
      '  --entry source|built  what runs (default source)',
      '  --postgres URL        database (default postgres://db; env BENCH_POSTGRES, DATABASE_URL_TEST)',
      '  --label TEXT          a note',
      '  --cpu-prof            profile',
      '  --help, -h            this text',
      '',
      'Notes last.',
    ]);
  });
});
