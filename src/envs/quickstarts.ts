/**
 * The quickstart notebooks every user finds in `~/quickstart/`. They are copied in when the user's server
 * starts; a file already there is never overwritten (the user's edits are theirs), a missing one is added.
 */
import { chownSync, copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const QUICKSTART_DIR = join(import.meta.dirname, 'quickstart');

/** File names of the shipped quickstart notebooks, in reading order. */
export function quickstartNotebooks(): string[] {
  return readdirSync(QUICKSTART_DIR)
    .filter((f) => f.endsWith('.ipynb'))
    .sort();
}

/**
 * Copies the quickstart notebooks into `<homeDir>/quickstart/`, skipping files that exist. Returns the names
 * copied. With `owner`, the folder and new files are given to that Unix account (servers run as the user).
 * @example
 * installQuickstarts('/data/homes/alice', { uid: 1001, gid: 1001 });
 */
export function installQuickstarts(homeDir: string, owner?: { uid: number; gid: number }): string[] {
  const dir = join(homeDir, 'quickstart');
  const fresh = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  if (fresh && owner) chownSync(dir, owner.uid, owner.gid);
  const copied: string[] = [];
  for (const name of quickstartNotebooks()) {
    const target = join(dir, name);
    if (existsSync(target)) continue;
    copyFileSync(join(QUICKSTART_DIR, name), target);
    if (owner) chownSync(target, owner.uid, owner.gid);
    copied.push(name);
  }
  return copied;
}
