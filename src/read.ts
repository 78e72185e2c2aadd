/**
 * Reading a Bounce launcher back into what it will run. Other tools' launchers are read by
 * src/formats/*.ts, and src/inspect.ts tries every format; here anything that is not ours is
 * `unknown` with the reason, never an exception.
 */
import { splitMsvc } from './cmdline.js';
import { BounceError } from './errors.js';
import { decodePayload, PAYLOAD_RESOURCE_NAME, type LauncherKind } from './payload.js';
import { parsePe, readResources, RT_RCDATA, type Machine } from './pe.js';
import { parseEntryPointScript } from './python/script.js';
import { isAbsoluteWindowsPath } from './winpath.js';
import { decodeZip } from './zip.js';

export interface BounceLauncherInfo {
  format: 'bounce';
  kind: LauncherKind;
  arch: Machine;
  gui: boolean;
  /** The interpreter or program path as stored. */
  interpreter: string;
  /** True when `interpreter` is relative to the launcher's folder. */
  interpreterRelative: boolean;
  /** Fixed arguments after the interpreter, split back by the MSVC rules. */
  interpreterArgs: string[];
  /** exec kind: the script path as stored; script kind: the zipapp's __main__.py text. */
  script: string | null;
  /** script kind: `module:attr` when __main__.py is a standard entry-point script. */
  entryPoint: string | null;
  allowBreakaway: boolean;
  signed: boolean;
}

export interface UnknownFileInfo {
  format: 'unknown';
  reason: string;
}

export type LauncherInfo = BounceLauncherInfo | UnknownFileInfo;

/** Decodes a Bounce launcher; throws BounceError (badFormat) if `file` is not one. */
export function readBounceLauncher(file: Uint8Array, path?: string): BounceLauncherInfo {
  const image = parsePe(file, path);
  const resource = readResources(file, image, path).find((r) => r.type === RT_RCDATA && r.name === PAYLOAD_RESOURCE_NAME);
  if (resource === undefined) throw new BounceError('badFormat', 'a PE file without a Bounce payload', path);
  const payload = decodePayload(resource.data, path);
  let script: string | null = payload.kind === 'exec' ? payload.script || null : null;
  let entryPoint: string | null = null;
  if (payload.kind === 'script') {
    // The zip ends where the payload ends; what follows (sections, a signature) is not part of it.
    // Only __main__.py, and no entry claiming more than the file's size: a hostile zip must not
    // make us inflate a bomb.
    const entries = decodeZip(file.subarray(0, resource.fileOffset + resource.data.length), path, {
      names: ['__main__.py'],
      maxEntrySize: file.length,
    });
    const main = entries.find((e) => e.name === '__main__.py');
    script = main === undefined ? null : new TextDecoder().decode(main.data);
    const ep = script === null ? null : parseEntryPointScript(script);
    entryPoint = ep === null ? null : `${ep.module}:${ep.attr}`;
  }
  return {
    format: 'bounce',
    kind: payload.kind,
    arch: image.machine,
    gui: image.subsystem === 2,
    interpreter: payload.program,
    interpreterRelative: !isAbsoluteWindowsPath(payload.program),
    interpreterArgs: payload.args === '' ? [] : splitMsvc(`x ${payload.args}`).slice(1),
    script,
    entryPoint,
    allowBreakaway: (payload.flags & 1) !== 0,
    signed: image.certificate !== null,
  };
}

/** Like readBounceLauncher, but any file that is not a launcher gives `unknown` and the reason. */
export function readLauncher(file: Uint8Array, path?: string): LauncherInfo {
  try {
    return readBounceLauncher(file, path);
  } catch (e) {
    if (e instanceof BounceError) return { format: 'unknown', reason: e.message.replace(`${path}: `, '') };
    throw e;
  }
}
