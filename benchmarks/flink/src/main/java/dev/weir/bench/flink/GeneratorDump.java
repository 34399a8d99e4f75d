package dev.weir.bench.flink;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.data.RowData;

/**
 * What Weir's q0 and q3 write for the first N events of seed 0, computed straight from the Java generator
 * ({@link NexmarkRows}), as JSON lines in the field order and format of Weir's file sink ({@code weir
 * nexmark --query q0|q3 --sink file:DIR}): `compare --check-events N` compares the two, to show that both
 * engines read the same events.
 *
 * <ul>
 *   <li>q0: every bid (auction, bidder, price, dateTime, extra; extra is drawn after the channel and url).
 *   <li>q3: name, city, state of each person in OR, ID or CA joined with the id of each of their auctions
 *       of category 10 (a person's city and state are drawn after the name, email and credit card; an
 *       auction's category after its seller).
 * </ul>
 */
public final class GeneratorDump {
  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !(args[0].equals("q0") || args[0].equals("q3"))) {
      System.err.println("usage: GeneratorDump q0|q3 EVENTS");
      System.exit(2);
    }
    long events = Long.parseLong(args[1]);
    NexmarkRows rows = new NexmarkRows(0, 10_000_000L, 1_704_067_200_000L, 0);
    Map<Long, String> people = new HashMap<>();
    List<long[]> auctions = new ArrayList<>();
    try (BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))) {
      for (long n = 0; n < events; ++n) {
        RowData e = rows.row(n);
        int kind = e.getInt(0);
        if (args[0].equals("q0")) {
          if (kind != 2) continue;
          RowData b = e.getRow(3, 7);
          out.write("{\"auction\":" + b.getLong(0) + ",\"bidder\":" + b.getLong(1) + ",\"price\":" + b.getLong(2)
              + ",\"dateTime\":" + b.getTimestamp(5, 3).getMillisecond() + ",\"extra\":\"" + b.getString(6)
              + "\"}\n");
        } else if (kind == 0) {
          RowData p = e.getRow(1, 8);
          String state = p.getString(5).toString();
          if (state.equals("OR") || state.equals("ID") || state.equals("CA")) {
            people.put(p.getLong(0), "{\"name\":\"" + p.getString(1) + "\",\"city\":\"" + p.getString(4)
                + "\",\"state\":\"" + state + "\",\"id\":");
          }
        } else if (kind == 1) {
          RowData a = e.getRow(2, 10);
          if (a.getLong(8) == 10) auctions.add(new long[] {a.getLong(0), a.getLong(7)});
        }
      }
      for (long[] a : auctions) {
        String person = people.get(a[1]);
        if (person != null) out.write(person + a[0] + "}\n");
      }
    }
  }
}
