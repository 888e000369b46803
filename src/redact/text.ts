import { redactAssignments, redactDirectives, redactDumps } from './assignments.js';
import { redactCommandLines } from './command-lines.js';
import { redactCredentialFiles } from './credential-files.js';
import { redactShapes } from './patterns.js';
import { redactTraceArguments } from './php-traces.js';
import { redactPrivateKeys } from './private-keys.js';

/** Masks every secret in `text`; see redact.ts for what is kept. */
export function redact(text: string): string {
  // Shapes before names: the shapes keep more (the URL's user and host, the token's prefix),
  // and a name's pass then masks the rest of a value only where the name says it is secret.
  let out = redactPrivateKeys(text);
  out = redactShapes(out);
  out = redactTraceArguments(out);
  out = redactCommandLines(out);
  out = redactCredentialFiles(out);
  out = redactDirectives(out);
  out = redactDumps(out);
  return redactAssignments(out);
}
