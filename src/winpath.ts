/**
 * Windows paths as a launcher stores them. An interpreter path is either absolute (a drive,
 * `C:\...`, or UNC, `\\server\share\...`) or relative to the launcher's folder; the stub
 * never searches for it, so a `python.exe` in the current directory cannot hijack it.
 */
import { invalidInput } from './errors.js';

export function isAbsoluteWindowsPath(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || /^[\\/]{2}[^\\/]/.test(p);
}

/**
 * Checks and normalises a path to be stored in a launcher: forward slashes become
 * backslashes; drive-relative (`C:x`) and root-relative (`\x`) paths are refused because
 * their meaning depends on the caller's current drive.
 */
export function storedWindowsPath(p: string, what: string): string {
  if (p.length === 0) throw invalidInput(`${what} must not be empty`);
  if (/[\0"<>|?*]/.test(p.replace(/^\\\\\?\\/, ''))) throw invalidInput(`${what} contains a character Windows does not allow in paths: ${p}`);
  if (/[\x00-\x1f]/.test(p)) throw invalidInput(`${what} contains a control character: ${JSON.stringify(p)}`);
  const normal = p.replace(/\//g, '\\');
  if (normal.endsWith('\\')) throw invalidInput(`${what} "${p}" names a folder, not a file`);
  if (isAbsoluteWindowsPath(normal)) return normal;
  if (/^[A-Za-z]:/.test(normal)) throw invalidInput(`${what} "${p}" is relative to a drive's current folder; give C:\\... or a path relative to the launcher`);
  if (normal.startsWith('\\')) throw invalidInput(`${what} "${p}" is relative to the current drive; give C:\\... or a path relative to the launcher`);
  return normal;
}
