export { makeTestCerts, opensslAvailable, type TestCerts } from './certs.ts';
export { type CliIo, type CliResult, type RunNodeOptions, runInProcess, runNode } from './cli.ts';
export { isCi } from './env.ts';
export { oasisSchemasAvailable, validateStixWithOasis } from './oasis.ts';
export { type Intercept, type ProxiedRequest, type ProxyExchange, startProxy, type TestProxy, type UpstreamAnswer } from './proxy.ts';
export { type Broker, probeTcp, rabbitMq, uniqueName } from './rabbitmq.ts';
export { installSecretScan, registerTestSecret, secretsIn, TEST_SECRETS } from './secret-scan.ts';
export { repositoryRoot, type SharedPath, sharedDir, sharedPath } from './shared-data.ts';
