package dev.weir.bench.flink;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * q14's {@code count_char(s, c)}: how many bytes of {@code s}'s UTF-8 text equal the first byte of
 * {@code c}; 0 when {@code s} is NULL. The semantics of nexmark-flink's UDF of that name (which the
 * harness does not link: q14.sql's {@code CREATE FUNCTION} is pointed at this class instead). Like
 * it, takes Flink's internal strings, so no Java String is made per row.
 */
public final class CountChar extends ScalarFunction {
  public long eval(@DataTypeHint("STRING") StringData s, @DataTypeHint("STRING") StringData c) {
    if (s == null || c == null) return 0;
    byte[] needle = c.toBytes();
    if (needle.length == 0) return 0;
    byte b = needle[0];
    long n = 0;
    for (byte x : s.toBytes()) {
      if (x == b) ++n;
    }
    return n;
  }
}
