// A fixed SQL statement written with named parameters: each name becomes `$n` in the order it first
// appears, so no parameter number is kept by hand, and the values are given by name when it runs.
// A row set is passed as one array per column and read back with unnest (one round trip, any number of
// rows); its columns are a named list of SQL types. Pure: no database handle.

/** A row set's columns, in order: column name → SQL type of one value. */
export type Columns = Readonly<Record<string, string>>;

/** A row set as the statement takes it: one array per column. */
export type ColumnArrays<C extends Columns> = { [K in keyof C]: unknown[] };

/** Encodes rows into one array per column of `columns`. */
export function columnArrays<C extends Columns, Row>(columns: C, rows: readonly Row[], encode: (row: Row) => { [K in keyof C]: unknown }): ColumnArrays<C> {
  const arrays = Object.fromEntries(Object.keys(columns).map((column) => [column, [] as unknown[]])) as ColumnArrays<C>;
  for (const row of rows) {
    const encoded = encode(row);
    for (const column of Object.keys(columns) as Array<keyof C>) arrays[column].push(encoded[column]);
  }
  return arrays;
}

export class StatementParams {
  private readonly names: string[] = [];

  /** `$n` for the named value (with an optional cast); one number per name, however often it is used. */
  ref(name: string, cast = ""): string {
    let index = this.names.indexOf(name);
    if (index < 0) index = this.names.push(name) - 1;
    return `$${index + 1}${cast}`;
  }

  /** `unnest($a::type[], …) AS alias(column, …)`: the row set `set`, one parameter per column. */
  unnest(set: string, alias: string, columns: Columns): string {
    const arrays = Object.entries(columns).map(([column, type]) => this.ref(`${set}.${column}`, `::${type}[]`));
    return `unnest(${arrays.join(", ")}) AS ${alias}(${Object.keys(columns).join(", ")})`;
  }

  /** The values in parameter order: a scalar by its name, a row set's column from `named[set][column]`. */
  values(named: Readonly<Record<string, unknown>>): unknown[] {
    return this.names.map((name) => {
      const [set, column] = name.split(".") as [string, string | undefined];
      if (!(set in named)) throw new Error(`no value for the statement parameter "${set}"`);
      if (column === undefined) return named[set];
      const arrays = named[set] as Record<string, unknown[]>;
      if (!(column in arrays)) throw new Error(`no value for the statement parameter "${name}"`);
      return arrays[column];
    });
  }
}
