import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

/** One machine-greppable line after the list reporter's output, for scripts/test.mjs and CI logs. */
class SummaryReporter implements Reporter {
  private readonly outcomes = new Map<string, ReturnType<TestCase['outcome']>>();

  onTestEnd(test: TestCase, _result: TestResult): void {
    this.outcomes.set(test.id, test.outcome());
  }

  onEnd(result: FullResult): void {
    const count = (outcome: string) => [...this.outcomes.values()].filter((o) => o === outcome).length;
    const seconds = (result.duration / 1000).toFixed(1);
    console.log(
      `e2e summary: ${count('expected')} passed, ${count('unexpected')} failed, ${count('flaky')} flaky, ` +
        `${count('skipped')} skipped in ${seconds} s (status: ${result.status})`,
    );
  }

  printsToStdio(): boolean {
    return false;
  }
}

// biome-ignore lint/style/noDefaultExport: Playwright loads a reporter file through its default export.
export default SummaryReporter;
