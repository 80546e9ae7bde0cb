import type { IHeaders } from 'kafkajs';
import { setOwn } from '@bellwether/contracts';

/**
 * A consumed record's headers as text: one value per name (the first of a repeated header), each
 * name an own key, so a header named `__proto__` is kept like any other. kafkajs folds a record's
 * headers with `obj[key] === undefined ? value : [obj[key], value]`, so a header named like an
 * inherited member (`constructor`, `toString`, `hasOwnProperty`, `__proto__`) arrives as
 * `[<that member>, value]`: only Buffer and string entries are the header's values. A header
 * without a value is left out.
 */
export function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    // A header sent without a value (length -1) is decoded as null, which IHeaders does not admit: it has no text.
    const first: unknown = Array.isArray(value) ? value.find(isHeaderValue) : value;
    if (isHeaderValue(first)) setOwn(text, name, first.toString());
  }
  return text;
}

function isHeaderValue(value: unknown): value is Buffer | string {
  return typeof value === 'string' || Buffer.isBuffer(value);
}
