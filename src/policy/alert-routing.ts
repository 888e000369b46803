/**
 * The policy's `alerts` section (docs/alerts.md): which Slack channel an alert is posted in, which
 * alert labels name the host, and the storm windows. Pure: the alert service asks, nothing here
 * touches Redis or Slack.
 */
import { pathText } from '../config/issues.js';
import type { Policy } from './access-policy.js';
import { compileSelector } from './rules.js';
import type { AlertsSettings } from './schema.js';

/** Labels tried in order when the policy names none: the first that maps to a host wins. */
export const DEFAULT_HOST_LABELS = ['fpm_medic_host', 'host', 'hostname', 'instance', 'nodename'] as const;
export const DEFAULT_WINDOW_MINUTES = 30;
export const DEFAULT_GATHER_SECONDS = 10;
export const DEFAULT_DIAGNOSIS_WINDOW_MINUTES = 15;

export interface AlertRoute {
  /** "alerts.routes[2]", and the route's name when it has one: for logs and the audit record. */
  path: string;
  name?: string;
  labels: ReadonlyMap<string, ReadonlySet<string>>;
  channel: string;
}

export interface AlertRouting {
  hostLabels: readonly string[];
  routes: readonly AlertRoute[];
  defaultChannel: string;
  /** Alerts that name no inventory host; their routed channel when absent. */
  unmappedChannel?: string;
  /** A host's alerts join its open incident for this long after the last firing one. */
  windowSec: number;
  /** Hosts whose first alerts arrive within this long of each other are gathered (group reports). */
  gatherMs: number;
  /** The least log window a triage reads; longer when the alert started earlier. */
  diagnosisWindowSec: number;
}

export interface RoutedChannel {
  channel: string;
  /** Which part of the policy chose it: "alerts.routes[0]" (or its name), "alerts.defaultChannel". */
  by: string;
}

export function compileAlertRouting(settings: AlertsSettings): AlertRouting {
  const routes: AlertRoute[] = (settings.routes ?? []).map((route, i) => {
    const path = pathText(['alerts', 'routes', i]);
    return {
      path,
      ...(route.name ? { name: route.name } : {}),
      labels: compileSelector({ labels: route.labels }).labels ?? new Map(),
      channel: route.channel,
    };
  });
  return {
    hostLabels: settings.hostLabels ? [...new Set(settings.hostLabels)] : [...DEFAULT_HOST_LABELS],
    routes,
    defaultChannel: settings.defaultChannel,
    ...(settings.unmappedChannel ? { unmappedChannel: settings.unmappedChannel } : {}),
    windowSec: (settings.windowMinutes ?? DEFAULT_WINDOW_MINUTES) * 60,
    // 0 s would never gather anything; one millisecond keeps "only hosts alerting together".
    gatherMs: Math.max(1, (settings.gatherSeconds ?? DEFAULT_GATHER_SECONDS) * 1000),
    diagnosisWindowSec: (settings.diagnosisWindowMinutes ?? DEFAULT_DIAGNOSIS_WINDOW_MINUTES) * 60,
  };
}

/**
 * The first route whose labels all match wins (order matters, unlike access rules); else the
 * default channel. An alert label wins over the host's inventory label of the same name, which
 * fills in what the alert does not say (most alerts carry no `team`).
 */
export function routeAlert(
  routing: AlertRouting,
  alertLabels: Readonly<Record<string, string>>,
  hostLabels: Readonly<Record<string, string>> = {},
): RoutedChannel {
  for (const route of routing.routes) {
    let matches = true;
    for (const [key, values] of route.labels) {
      const value = Object.hasOwn(alertLabels, key) ? alertLabels[key] : hostLabels[key];
      if (value === undefined || !values.has(value)) {
        matches = false;
        break;
      }
    }
    if (matches)
      return { channel: route.channel, by: route.name ? `${route.path} "${route.name}"` : route.path };
  }
  return { channel: routing.defaultChannel, by: 'alerts.defaultChannel' };
}

/** Where an alert that maps to no host is posted. */
export function unmappedChannel(
  routing: AlertRouting,
  alertLabels: Readonly<Record<string, string>>,
): string {
  return routing.unmappedChannel ?? routeAlert(routing, alertLabels).channel;
}

// The Policy class keeps its contents private and is shared with access decisions; the alerts
// section rides beside it rather than widening that class.
const attached = new WeakMap<Policy, AlertRouting>();

/** @internal load.ts attaches the compiled section to the Policy it returns. */
export function attachAlertRouting(policy: Policy, routing: AlertRouting): Policy {
  attached.set(policy, routing);
  return policy;
}

/** The policy's `alerts` section; undefined when there is none (or no policy file). */
export function alertRoutingOf(policy: Policy): AlertRouting | undefined {
  return attached.get(policy);
}
