export * from './api/index.ts';
export * from './config/index.ts';
export * from './errors/index.ts';
export * from './log/index.ts';
export * from './mq/index.ts';
export * from './runtime/index.ts';
export * from './stix/index.ts';
