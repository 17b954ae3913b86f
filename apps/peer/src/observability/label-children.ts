/**
 * prom-client children cached by their label values. `metric.inc({ ... })` hashes the label
 * object (sorted keys, joined) on every call; a peer records two series per peer RPC on both
 * sides and two per client operation, so the children are looked up once per label set
 * instead. The label values are bounded (method × side × code, op × code), and so is this.
 */

/** `make(values)` once per distinct `values`, at most `max` kept (beyond it, made afresh each time). */
export function childCache<C>(make: (...values: string[]) => C, max = 1024): (...values: string[]) => C {
  const children = new Map<string, C>();
  return (...values) => {
    const key = values.join("\0");
    let child = children.get(key);
    if (child === undefined) {
      child = make(...values);
      if (children.size < max) children.set(key, child);
    }
    return child;
  };
}
