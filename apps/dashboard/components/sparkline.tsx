"use client";
/** A tiny line chart of recent values (ops/s history). */
export function Sparkline({ values, width = 160, height = 36 }: { values: number[]; width?: number; height?: number }) {
  if (values.length < 2) return <svg width={width} height={height} />;
  const max = Math.max(1, ...values);
  const step = width / (values.length - 1);
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`);
  return (
    <svg width={width} height={height} className="overflow-visible">
      <polyline points={`0,${height} ${pts.join(" ")} ${width},${height}`} fill="#6366f1" fillOpacity={0.15} stroke="none" />
      <polyline points={pts.join(" ")} fill="none" stroke="#818cf8" strokeWidth={1.5} />
    </svg>
  );
}
