/**
 * What the report's buttons carry, and reading it back on click. A click payload is signed by
 * Slack, but the value is still checked field by field: it names a host and an action, and the
 * remediation path must never act on a name that is not one of ours.
 */
import { NAME_RE } from '../../config/values.js';
import { ACTION_IDS, type ActionId } from '../../runbooks/index.js';
import { RUNBOOK_ID } from '../../runbooks/schema.js';

/** `fpm-action:<actionId>`: one Bolt handler matches the prefix. */
export const ACTION_ID_PREFIX = 'fpm-action:';
export const RAW_EVIDENCE_ACTION_ID = 'fpm-raw-evidence';

/** Report ids are made by the bot (job ids, uuids), never typed by a person. */
export const REPORT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export interface ActionButtonValue {
  host: string;
  runbook: string;
  action: ActionId;
  reportId: string;
}

export interface RawEvidenceButtonValue {
  host: string;
  reportId: string;
}

export function actionIdFor(action: ActionId): string {
  return `${ACTION_ID_PREFIX}${action}`;
}

export function encodeActionValue(v: ActionButtonValue): string {
  return JSON.stringify({ host: v.host, runbook: v.runbook, action: v.action, reportId: v.reportId });
}

export function encodeRawEvidenceValue(v: RawEvidenceButtonValue): string {
  return JSON.stringify({ host: v.host, reportId: v.reportId });
}

export function parseActionValue(value: string): ActionButtonValue | null {
  const v = parseObject(value);
  if (!v || !isHost(v.host) || !isReportId(v.reportId)) return null;
  if (typeof v.runbook !== 'string' || v.runbook.length > 100 || !RUNBOOK_ID.test(v.runbook)) return null;
  if (!(ACTION_IDS as readonly unknown[]).includes(v.action)) return null;
  return { host: v.host, runbook: v.runbook, action: v.action as ActionId, reportId: v.reportId };
}

export function parseRawEvidenceValue(value: string): RawEvidenceButtonValue | null {
  const v = parseObject(value);
  if (!v || !isHost(v.host) || !isReportId(v.reportId)) return null;
  return { host: v.host, reportId: v.reportId };
}

export function isReportId(value: unknown): value is string {
  return typeof value === 'string' && REPORT_ID_RE.test(value);
}

function isHost(value: unknown): value is string {
  return typeof value === 'string' && NAME_RE.test(value);
}

function parseObject(value: string): Record<string, unknown> | null {
  if (value.length > 2000) return null;
  try {
    const v: unknown = JSON.parse(value);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The approval message's buttons: they carry only the request id; everything else is stored. */
export const APPROVE_ACTION_ID = 'fpm-approve';
export const REJECT_ACTION_ID = 'fpm-reject';

const REQUEST_ID_VALUE_RE = /^rq-[0-9a-f]{24}$/;

export function encodeRequestValue(requestId: string): string {
  return JSON.stringify({ requestId });
}

export function parseRequestValue(value: string): { requestId: string } | null {
  const v = parseObject(value);
  if (!v || typeof v.requestId !== 'string' || !REQUEST_ID_VALUE_RE.test(v.requestId)) return null;
  return { requestId: v.requestId };
}

/** A group report's action button: the action on every host of the group whose report offers it. */
export const GROUP_ACTION_ID_PREFIX = 'fpm-group-action:';

export interface GroupActionValue {
  target: string;
  action: ActionId;
  reportIds: string[];
}

/** Slack's limit on a button value. */
export const BUTTON_VALUE_MAX = 2000;

export function encodeGroupActionValue(v: GroupActionValue): string {
  return JSON.stringify({ target: v.target, action: v.action, reportIds: v.reportIds });
}

export function parseGroupActionValue(value: string): GroupActionValue | null {
  const v = parseObject(value);
  // A group, or several hosts joined by "+" (an alert about part of a group).
  const target = typeof v?.target === 'string' ? v.target : '';
  if (!v || target.length > 2000 || !target.split('+').every(isHost)) return null;
  if (!(ACTION_IDS as readonly unknown[]).includes(v.action)) return null;
  if (!Array.isArray(v.reportIds) || v.reportIds.length === 0 || v.reportIds.length > 100) return null;
  if (!v.reportIds.every(isReportId)) return null;
  return { target, action: v.action as ActionId, reportIds: [...new Set(v.reportIds as string[])] };
}
