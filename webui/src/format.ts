// How numbers, sizes, times and durations read on every page.

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return "–";
  if (Math.abs(n) >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function formatRate(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : `${formatCount(n)}/s`;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0) return "–";
  if (ms < 1000) return `${ms} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${m}m ${s % 60}s` : `${m}m ${s % 60}s`;
}

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms <= 0) return "–";
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatWatermark(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "no watermark";
  if (ms >= 9.2e18) return "end of input";
  return formatTime(ms);
}

export function formatRatio(r: number | null | undefined): string {
  return r === null || r === undefined ? "–" : `${Math.round(r * 100)}%`;
}

//! Time per second (Flink's busyTimeMsPerSecond and kin) as a share: 250 -> "25%".
export function formatMsPerSecond(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? "–" : `${Math.round(ms / 10)}%`;
}
