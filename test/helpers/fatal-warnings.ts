// Node warnings are fatal in the test suite: a TimeoutOverflowWarning once hid a timeout that
// fired after 5 ms. Loaded by vitest before every test file (vitest.config.ts setupFiles); the
// CLI and the daemon a test starts write theirs to a file the test's cleanup checks (cli.ts).
process.on('warning', (warning) => {
  throw new Error(`Node warning in a test: ${warning.name}: ${warning.message}`);
});
