import { z } from 'zod';
import { PROBE_IDS } from '../probes/catalog.js';
import { ACTION_IDS, FIX_IDS, SEVERITIES } from './ids.js';
import { SIGNAL_KEYS, WORKER_PID_PATHS } from './signal-spec.js';

/** The front matter of a runbook file, before its conditions and texts are compiled. */
export const RUNBOOK_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

const id = z.string().regex(RUNBOOK_ID, 'must be lower-case words joined by "-", e.g. "pool-exhausted"');
const text = z.string().trim().min(1, 'must not be empty');

export const frontMatterSchema = z.strictObject({
  id,
  title: text,
  severity: z.enum(SEVERITIES),
  when: text,
  supporting: z.array(text).default([]),
  /** A runbook id, or `{ runbook, when }`: it explains that one only while the CEL condition holds. */
  explains: z.array(z.union([id, z.strictObject({ runbook: id, when: text })])).default([]),
  evidence: z.array(z.enum(SIGNAL_KEYS as [string, ...string[]])).default([]),
  summary: text,
  fix: text,
  actions: z.array(z.enum(ACTION_IDS)).default([]),
  /** The signal listing the workers this finding names (e.g. selfRequest.pids), for kill-stuck-workers. */
  workers: z.enum(WORKER_PID_PATHS as [string, ...string[]]).optional(),
  /** Config fixes whose patch this finding carries (src/fixes/plan.ts). */
  fixes: z.array(z.enum(FIX_IDS)).default([]),
  needs: z.array(z.enum(PROBE_IDS)).default([]),
});

export type RunbookFrontMatter = z.infer<typeof frontMatterSchema>;

export const FRONT_MATTER_KEYS = Object.keys(frontMatterSchema.shape);
