// Dropping the keys whose value is undefined: values parsed at a boundary (zod's output, a command's
// options) carry optional keys as undefined, which exactOptionalPropertyTypes keeps apart from absent.

export function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
