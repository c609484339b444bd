import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line, `vitest: N passed, N failed, N skipped`, that CI log readers understand
 * whatever the runner (see .ci/run).
 */
export default class SummaryReporter implements Reporter {
  #line: string | undefined;

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && module.children.size === 0) failed++;
    }
    this.#line = `vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`;
  }

  /** Runs after the default reporter's summary, so the line is the last one printed. */
  onFinished(): void {
    if (this.#line) process.stdout.write(`\n${this.#line}\n`);
  }
}
