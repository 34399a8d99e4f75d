package dev.weir.bench.flink;

/** What the benchmarks' mains share: an exit in every case, and the check of their numeric options. */
final class BenchMain {
  private BenchMain() {}

  /** A benchmark's body: its exit code. */
  interface Body {
    int run() throws Exception;
  }

  /**
   * Runs {@code body} and exits with its code, 1 when it throws. System.exit in every case: a MiniCluster's
   * scheduler and RPC threads can outlive its close() and would keep the JVM alive.
   */
  static void runAndExit(Body body) {
    int rc = 1;
    try {
      rc = body.run();
    } catch (Throwable t) {
      t.printStackTrace();
    }
    System.exit(rc);
  }

  /** Option {@code name}'s value {@code v} as a positive number, or an IllegalArgumentException naming both. */
  static long positive(String name, String v) {
    long x;
    try {
      x = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " takes a number, got " + v);
    }
    if (x <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
    return x;
  }
}
