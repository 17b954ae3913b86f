"use client";
/**
 * A table that filters (free text over chosen fields), sorts (click a header) and pages on
 * the client, so a view never renders thousands of rows at once.
 */
import { useMemo, useState, type ReactNode } from "react";

export interface Column<T> {
  key: string;
  header: string;
  render: (row: T) => ReactNode;
  /** Value to sort by; the column is not sortable without it. */
  sort?: (row: T) => number | string;
  align?: "left" | "right";
  className?: string;
}

export function DataTable<T>({ rows, columns, rowKey, filterText, placeholder = "Filter…", pageSize = 25, onRowClick, rowTestId, rowAttrs, initialSort, empty = "Nothing to show", toolbar }: {
  rows: readonly T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** Text the filter box matches against (case-insensitive substring); no filter box when absent. */
  filterText?: (row: T) => string;
  placeholder?: string;
  pageSize?: number;
  onRowClick?: (row: T) => void;
  rowTestId?: string;
  rowAttrs?: (row: T) => Record<string, string>;
  initialSort?: { key: string; dir: 1 | -1 };
  empty?: ReactNode;
  toolbar?: ReactNode;
}) {
  const [filter, setFilter] = useState("");
  const [sort, setSort] = useState(initialSort);
  const [page, setPage] = useState(0);
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    let out = f && filterText ? rows.filter((r) => filterText(r).toLowerCase().includes(f)) : [...rows];
    const col = sort && columns.find((c) => c.key === sort.key);
    if (col?.sort && sort) {
      const by = col.sort;
      out = out.sort((a, b) => {
        const x = by(a), y = by(b);
        return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
      });
    }
    return out;
  }, [rows, filter, sort, columns, filterText]);
  const pages = Math.max(1, Math.ceil(shown.length / pageSize));
  const current = Math.min(page, pages - 1);
  const visible = shown.slice(current * pageSize, (current + 1) * pageSize);

  return (
    <div>
      {(filterText || toolbar) && (
        <div className="mb-3 flex flex-wrap items-center gap-2">
          {filterText && (
            <input value={filter} onChange={(e) => { setFilter(e.target.value); setPage(0); }} placeholder={placeholder} aria-label="Filter"
              className="w-64 rounded-lg border border-slate-700 bg-slate-950 px-3 py-1.5 text-sm text-slate-100 placeholder:text-slate-500 focus:border-indigo-400 focus:outline-none" />
          )}
          {toolbar}
          <span className="ml-auto text-xs text-slate-500">{shown.length} of {rows.length}</span>
        </div>
      )}
      <div className="overflow-x-auto">
        <table className="w-full text-sm">
          <thead>
            <tr className="border-b border-slate-800 text-xs uppercase tracking-wider text-slate-400">
              {columns.map((c) => (
                <th key={c.key} className={`whitespace-nowrap px-3 py-2 font-medium ${c.align === "right" ? "text-right" : "text-left"}`}>
                  {c.sort ? (
                    <button className="inline-flex items-center gap-1 hover:text-slate-200" onClick={() => setSort((s) => ({ key: c.key, dir: s?.key === c.key ? (-s.dir as 1 | -1) : 1 }))}>
                      {c.header}
                      <span className="text-[10px]">{sort?.key === c.key ? (sort.dir === 1 ? "▲" : "▼") : "↕"}</span>
                    </button>
                  ) : c.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {visible.map((r) => (
              <tr key={rowKey(r)} data-testid={rowTestId} {...(rowAttrs?.(r) ?? {})} onClick={onRowClick ? () => onRowClick(r) : undefined}
                className={`border-b border-slate-800/60 ${onRowClick ? "cursor-pointer hover:bg-slate-800/40" : ""}`}>
                {columns.map((c) => (
                  <td key={c.key} className={`whitespace-nowrap px-3 py-2 ${c.align === "right" ? "text-right tabular-nums" : ""} ${c.className ?? ""}`}>{c.render(r)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {visible.length === 0 && <div className="py-6 text-center text-sm text-slate-500">{empty}</div>}
      </div>
      {pages > 1 && (
        <div className="mt-3 flex items-center justify-end gap-2 text-xs text-slate-400">
          <button className="rounded px-2 py-1 hover:bg-slate-800 disabled:opacity-30" disabled={current === 0} onClick={() => setPage(current - 1)}>‹ Prev</button>
          <span>Page {current + 1} / {pages}</span>
          <button className="rounded px-2 py-1 hover:bg-slate-800 disabled:opacity-30" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>Next ›</button>
        </div>
      )}
    </div>
  );
}
