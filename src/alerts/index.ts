export { AlertBodyTooLargeError, AlertConfigError, AlertPayloadError } from './errors.js';
export { buildHostIndex, type HostMapping, hostPart, mapAlertHost } from './host-mapping.js';
export { parseAlertPayload, parseJsonBody } from './parse-payload.js';
export { ALERT_SOURCES, type AlertSource, type NormalizedAlert } from './types.js';
