export {
  amqpUrl,
  backoffDelay,
  createMqConnection,
  DEFAULT_RECONNECT_POLICY,
  loadPem,
  type MqConnection,
  type MqConnectionBlock,
  type MqConnectionEvents,
  type MqConnectionOptions,
  type MqTlsOptions,
  type ReconnectPolicy,
  withMqOverrides,
} from './connection.ts';
export { type ConsumeOptions, type Consumer, consume, type Delivery, type HandlerErrorReporter, type MessageHandler } from './consumer.ts';
export {
  BUNDLE_PUBLISH_OPTIONS,
  type BundleMessageInput,
  type BundlePublisher,
  createPublisher,
  encodeBundleMessage,
  type PublisherOptions,
  type PublishOptions,
  type PublishReport,
} from './publisher.ts';
