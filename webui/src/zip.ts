// A zip archive of one file, stored uncompressed: how a Python job travels to the JobManager (its
// script at the archive's root, as `weir run --python` sends it). Small by design: one entry, no
// compression, CRC-32 over the bytes.

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

//! The archive's bytes: `name` (ASCII or UTF-8) holding `data`.
export function zipOneFile(name: string, data: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const crc = crc32(data);
  const local = 30 + nameBytes.length;
  const central = 46 + nameBytes.length;
  const out = new Uint8Array(local + data.length + central + 22);
  const v = new DataView(out.buffer);
  const dosDate = (1 << 5) | 1; // 1980-01-01
  let o = 0;
  // Local file header.
  v.setUint32(o, 0x04034b50, true);
  v.setUint16(o + 4, 20, true); // version needed
  v.setUint16(o + 6, 0x0800, true); // UTF-8 name
  v.setUint16(o + 8, 0, true); // stored
  v.setUint16(o + 10, 0, true);
  v.setUint16(o + 12, dosDate, true);
  v.setUint32(o + 14, crc, true);
  v.setUint32(o + 18, data.length, true);
  v.setUint32(o + 22, data.length, true);
  v.setUint16(o + 26, nameBytes.length, true);
  v.setUint16(o + 28, 0, true);
  out.set(nameBytes, o + 30);
  out.set(data, local);
  o = local + data.length;
  // Central directory entry.
  v.setUint32(o, 0x02014b50, true);
  v.setUint16(o + 4, 20, true); // version made by
  v.setUint16(o + 6, 20, true);
  v.setUint16(o + 8, 0x0800, true);
  v.setUint16(o + 10, 0, true);
  v.setUint16(o + 12, 0, true);
  v.setUint16(o + 14, dosDate, true);
  v.setUint32(o + 16, crc, true);
  v.setUint32(o + 20, data.length, true);
  v.setUint32(o + 24, data.length, true);
  v.setUint16(o + 28, nameBytes.length, true);
  // extra, comment, disk, internal and external attributes, local header offset: all 0
  out.set(nameBytes, o + 46);
  const cdStart = o;
  o += central;
  // End of central directory.
  v.setUint32(o, 0x06054b50, true);
  v.setUint16(o + 8, 1, true);
  v.setUint16(o + 10, 1, true);
  v.setUint32(o + 12, central, true);
  v.setUint32(o + 16, cdStart, true);
  return out;
}
