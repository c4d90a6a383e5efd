import Mocha from 'mocha';

/**
 * The spec reporter plus one closing line in the plain form CI reads ("N passed, N failed,
 * N skipped"), so a run that executed no test is visible as such.
 */
class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats;
      if (!s) return;
      // Printed after the spec reporter's own epilogue.
      setImmediate(() => process.stdout.write(`tests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`));
    });
  }
}

export = SummaryReporter;
