package dev.weir.bench.flink;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import org.apache.flink.table.data.RowData;

/**
 * Prints the bids among the first N events of seed 0 as JSON lines, in the field order and format of
 * Weir's q0 file sink ({@code weir nexmark --query q0 --sink file:DIR}), so that `compare
 * --check-events N` can show that both engines read the same events.
 */
public final class DumpBids {
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: DumpBids EVENTS");
      System.exit(2);
    }
    long events = Long.parseLong(args[0]);
    NexmarkRows rows = new NexmarkRows(0, 10_000_000L, 1_704_067_200_000L, 0);
    try (BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))) {
      for (long n = 0; n < events; ++n) {
        RowData e = rows.row(n);
        if (e.getInt(0) != 2) continue;
        RowData b = e.getRow(3, 7);
        out.write("{\"auction\":" + b.getLong(0) + ",\"bidder\":" + b.getLong(1) + ",\"price\":" + b.getLong(2)
            + ",\"dateTime\":" + b.getTimestamp(5, 3).getMillisecond() + ",\"extra\":\"" + b.getString(6) + "\"}\n");
      }
    }
  }
}
