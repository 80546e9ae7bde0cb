import type { DataSource, EntityManager } from 'typeorm';

/**
 * `manager` with every `query` call reported to `onQuery` (its SQL and parameters) before it runs;
 * everything else passes through. For tests that pin how many statements, or which documents, a
 * set-based repository sends.
 */
export function observedManager(manager: EntityManager, onQuery: (sql: string, parameters: unknown[] | undefined) => void): EntityManager {
  return new Proxy(manager, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
      return (...args: Parameters<EntityManager['query']>) => {
        onQuery(args[0], args[1]);
        return target.query(...args);
      };
    },
  });
}

/** Runs `work` in one transaction of `dataSource` and returns how many statements it sent. */
export async function statementsOf(dataSource: DataSource, work: (manager: EntityManager) => Promise<unknown>): Promise<number> {
  let statements = 0;
  await dataSource.transaction((manager) =>
    work(
      observedManager(manager, () => {
        statements += 1;
      }),
    ),
  );
  return statements;
}

/**
 * A stand-in for `dataSource` in a service under test: its `transaction` runs on the real one and
 * `statements[i]` counts the statements of the i-th transaction. Pass `transactions` where the
 * service takes a DataSource (it uses `transaction` only).
 */
export function countingTransactions(dataSource: DataSource): { readonly transactions: Pick<DataSource, 'transaction'>; readonly statements: number[] } {
  const statements: number[] = [];
  const transaction = <T>(work: (manager: EntityManager) => Promise<T>): Promise<T> =>
    dataSource.transaction((manager) => {
      const index = statements.push(0) - 1;
      return work(
        observedManager(manager, () => {
          statements[index] = (statements[index] ?? 0) + 1;
        }),
      );
    });
  return { transactions: { transaction } as Pick<DataSource, 'transaction'>, statements };
}
