import type { FileStamp } from '../../facts/types.js';

/**
 * A config file's identity as a probe saw it (`path= size= mtime= sha256=` on its section), or
 * undefined for a relative or missing path. What a fix computed from the file checks before it
 * writes (commands/actions/apply-config.sh precheck).
 */
export function fileStamp(attrs: Readonly<Record<string, string>>): FileStamp | undefined {
  const { path, size, mtime, sha256 } = attrs;
  if (!path?.startsWith('/')) return undefined;
  const stamp: FileStamp = {
    path,
    size: Number(size) || 0,
    mtime: /^\d+$/.test(mtime ?? '') ? Number(mtime) : -1,
  };
  if (sha256 && /^[0-9a-f]{64}$/.test(sha256)) stamp.sha256 = sha256;
  return stamp;
}
