// Every bench leaves nothing behind: databases are dropped and child processes stopped at the end,
// on failure, and on Ctrl-C.

type Cleanup = () => Promise<void> | void;

const cleanups: Cleanup[] = [];
let running: Promise<void> | null = null;

export function onCleanup(cleanup: Cleanup) {
  cleanups.push(cleanup);
}

export function runCleanups(): Promise<void> {
  running ??= (async () => {
    while (cleanups.length > 0) {
      const cleanup = cleanups.pop()!;
      try {
        await cleanup();
      } catch (error) {
        console.error(`[bench] cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return running;
}

const failureHooks: Array<() => void> = [];

/** Runs only when the bench fails (e.g. print the portal's log). */
export function onFailure(hook: () => void) {
  failureHooks.push(hook);
}

function fail(name: string, error: unknown) {
  for (const hook of failureHooks) {
    try {
      hook();
    } catch {
      // best effort
    }
  }
  return runCleanups().then(() => {
    console.error(`\n[${name}] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
}

/** Runs a bench's main function, then the cleanups (also on Ctrl-C); exits non-zero when it failed. */
export function runBench(name: string, main: () => Promise<void>) {
  const started = Date.now();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`[bench] ${signal}: cleaning up`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
  process.on("unhandledRejection", (error) => void fail(name, error));
  main().then(
    () =>
      runCleanups().then(() => {
        console.log(`\n[${name}] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        process.exit(0);
      }),
    (error: unknown) => fail(name, error),
  );
}
