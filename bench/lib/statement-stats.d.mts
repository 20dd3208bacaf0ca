/** The statements run since recordStatements() was first called: in all, and by SQL text. */
export interface StatementStats {
  count: number;
  bySql: Map<string, { count: number; ns: bigint }>;
}

export function recordStatements(): StatementStats;
