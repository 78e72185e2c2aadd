/**
 * Bounce's library API. Launchers: buildLauncher / writeLauncher (build.ts), readLauncher
 * (read.ts); Python: buildPythonLauncher, installEntryPoints, the entry-point script and
 * entry_points.txt; Windows command lines (cmdline.ts); the CRT fd block codec (fdblock.ts).
 */
export * from './errors.js';
export { buildLauncher, writeLauncher, type LauncherSpec } from './build.js';
export { readLauncher, readBounceLauncher, type LauncherInfo, type BounceLauncherInfo, type UnknownFileInfo } from './read.js';
export { decodePayload, encodePayload, PayloadFlag, type LauncherKind, type Payload } from './payload.js';
export { ARCHES, STUB_DIR, stubPath, type Arch } from './stubs.js';
export { quoteArg, joinArgs, argv0End, splitMsvc, splitCommandLineToArgvW } from './cmdline.js';
export { FdFlag, encodeFdBlock, encodeRawFdBlock, decodeFdBlock, handlesToClose, type FdEntry } from './fdblock.js';
export { encodeZip, decodeZip, crc32, type ZipEntry } from './zip.js';
export { writeFileAtomic, writeFileAtomicSync } from './atomic.js';
export { isAbsoluteWindowsPath } from './winpath.js';
export { buildPythonLauncher, pythonLauncherSpec, type PythonLauncherOptions } from './python/launcher.js';
export { installEntryPoints, guiInterpreter, type InstallOptions, type InstalledLauncher } from './python/install.js';
export { parseEntryPoints, parseEntryPointSpec, type EntryPoint } from './python/entrypoints.js';
export { entryPointScript, parseEntryPointScript } from './python/script.js';
