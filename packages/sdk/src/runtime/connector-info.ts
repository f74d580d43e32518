// What the heartbeat reports about scheduling (sdk-protocol §b.2 `connectorInfo`).
export interface ConnectorInfo {
  run_and_terminate: boolean;
  buffering: boolean;
  /** MB (10^6 bytes). */
  queue_threshold: number;
  /** MB (10^6 bytes). */
  queue_messages_size: number;
  next_run_datetime: string | null;
  last_run_datetime: string | null;
}

export function initialConnectorInfo(queueThresholdMb: number, runAndTerminate: boolean): ConnectorInfo {
  return {
    run_and_terminate: runAndTerminate,
    buffering: false,
    queue_threshold: queueThresholdMb,
    queue_messages_size: 0,
    next_run_datetime: null,
    last_run_datetime: null,
  };
}

/** `YYYY-MM-DDTHH:MM:SSZ` in UTC, the form pycti reports. */
export function infoDatetime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
