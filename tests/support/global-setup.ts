// Starts what the integration tests talk to for the whole run: a PostgreSQL server on loopback.
import type { TestProject } from 'vitest/node';
import { type Cluster, postgresBinariesPresent, startCluster } from './postgres-cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
  }
}

let cluster: Cluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  let url = process.env['HEALTHSPHERE_TEST_DATABASE_URL'] ?? null;
  if (!url && postgresBinariesPresent()) {
    cluster = await startCluster();
    url = cluster.url;
  }
  if (!url) {
    console.warn(
      '\n*** PostgreSQL tests are SKIPPED: no PostgreSQL binaries under /usr/lib/postgresql/15/bin and no HEALTHSPHERE_TEST_DATABASE_URL. ***\n' +
        '*** .ci/run installs postgresql-15; install it or set the URL to run them. ***\n',
    );
  }
  project.provide('postgresUrl', url);
}

export async function teardown(): Promise<void> {
  cluster?.stop();
}
